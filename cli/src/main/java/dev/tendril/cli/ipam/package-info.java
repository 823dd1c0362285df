/**
 * CLI commands of the IPAM service: {@code tendril get nodes}, {@code tendril get allocations} and {@code tendril ipam
 * status}.
 */
package dev.tendril.cli.ipam;
