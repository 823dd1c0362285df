/** The admin REST API: policies, policy maps, selectors and trace, with problem+json errors. */
package dev.tendril.policy.adapters.rest;
