/** How CLI commands talk to the services' admin REST APIs and print what they get back. */
package dev.tendril.cli.api;
