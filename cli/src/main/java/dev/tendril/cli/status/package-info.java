/** {@code tendril status}: whether every component of the stack is up, in the manner of {@code cilium status}. */
package dev.tendril.cli.status;
