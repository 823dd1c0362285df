/**
 * {@code tendril ui}: the service map page of the flows service on a loopback address of the user's machine, asked
 * with the user's credentials (as {@code cilium hubble ui} port-forwards to Hubble UI and {@code kubectl proxy}
 * forwards to the API server).
 */
package dev.tendril.cli.ui;
