/** The {@code tendril get} family of listing commands. */
package dev.tendril.cli.get;
