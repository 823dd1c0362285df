/** Real, in-process Kafka and PostgreSQL servers that Tendril's tests and local stack run against instead of mocks or Docker. */
package dev.tendril.testing;
