/** IP addresses and CIDR prefixes as values: strict literal parsing, RFC 5952 printing and prefix arithmetic, written once for every Tendril module. */
package dev.tendril.net;
