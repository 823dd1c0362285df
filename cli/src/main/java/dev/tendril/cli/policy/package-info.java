/**
 * CLI commands of the policy service: {@code tendril get policies}, {@code tendril policy trace},
 * {@code tendril policy selectors} and {@code tendril policy map}. Applying policies is {@code tendril apply}.
 */
package dev.tendril.cli.policy;
