/** {@code tendril clustermesh}: connect this stack to a peer cluster, disconnect it, and show the replication status. */
package dev.tendril.cli.clustermesh;
