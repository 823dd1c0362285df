/**
 * Who may call what: roles read from a client certificate, each component's table of operations per role, and
 * the decision (permit, 401, 403) with the text that names what is missing. Pure Java, so the tables are tested
 * without a server and documented from one place.
 */
package dev.tendril.rest.access;
