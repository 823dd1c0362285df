/** {@code tendril history KIND/NAME}: who changed an object, when, and what, merged from every service that owns it. */
package dev.tendril.cli.history;
