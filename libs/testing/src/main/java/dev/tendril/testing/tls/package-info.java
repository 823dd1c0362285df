/** Test support for secured components: a stack's certificates made before Quarkus starts, and TLS clients. */
package dev.tendril.testing.tls;
