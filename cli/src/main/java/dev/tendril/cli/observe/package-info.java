/** {@code tendril observe} and {@code tendril observe status}: the flows service's flows and status, as the Hubble CLI prints them. */
package dev.tendril.cli.observe;
