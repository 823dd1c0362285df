/**
 * Real Kafka and PostgreSQL servers that Tendril's tests and local stack run against instead of mocks: in-process by
 * default, containers of the official images under the {@code testcontainers} profile.
 */
package dev.tendril.testing;
