/** Hubble's Observer gRPC service ({@code observer.Observer}) on the HTTP port. */
package dev.tendril.flows.adapters.grpc;
