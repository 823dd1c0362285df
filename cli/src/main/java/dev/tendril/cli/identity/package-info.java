/** {@code tendril get identities|namespaces|endpoints}: the identity service's resources, as tables or JSON. */
package dev.tendril.cli.identity;
