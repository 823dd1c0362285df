/** Tendril's credentials: a local certificate authority, the certificates it issues, PEM files and TLS contexts. */
package dev.tendril.security;
