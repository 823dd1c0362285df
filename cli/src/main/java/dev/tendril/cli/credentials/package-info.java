/** {@code tendril credentials}: certificates from the local stack's authority for teammates, and rotation. */
package dev.tendril.cli.credentials;
