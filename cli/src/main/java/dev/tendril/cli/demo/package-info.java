/** {@code tendril demo}: the README walkthrough run step by step against the local stack, each command shown with its output. */
package dev.tendril.cli.demo;
