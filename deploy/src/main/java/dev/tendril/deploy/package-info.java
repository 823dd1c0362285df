/** The local all-in-one launcher: runs PostgreSQL, Kafka, the four services and N agents on one machine, and stops them all again. */
package dev.tendril.deploy;
