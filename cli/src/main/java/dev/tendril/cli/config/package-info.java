/** The CLI's kubeconfig-like credentials file: where it is found, what it holds, how it becomes the client's TLS. */
package dev.tendril.cli.config;
