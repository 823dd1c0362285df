/** CLI commands of the IPAM service: {@code tendril get nodes} and {@code tendril ipam status}. */
package dev.tendril.cli.ipam;
