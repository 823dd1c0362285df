/** Where the parts of a running Tendril stack are: read from the launcher's {@code stack.json}, or the default local ports. */
package dev.tendril.cli.stack;
