/**
 * The pure IPAM core: address and CIDR arithmetic for both families, pool configuration rules, the
 * cluster pool that hands nodes their pod CIDRs and the per-node allocator that hands pods addresses.
 * No framework, Kafka, protobuf or JDBC: adapters translate to and from these types.
 */
package dev.tendril.ipam.domain;
