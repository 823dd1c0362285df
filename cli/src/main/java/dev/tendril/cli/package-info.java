/** The {@code tendril} command line: the top command, its shared options and the error handling every subcommand gets. */
package dev.tendril.cli;
