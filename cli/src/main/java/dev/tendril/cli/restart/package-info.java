/** {@code tendril restart}: asks the local launcher's supervisor to restart one component; the supervisor's state file. */
package dev.tendril.cli.restart;
