/** The agents' gRPC API of the identity service: the REST operations over {@code tendril.v1.IdentityService}. */
package dev.tendril.identity.adapters.grpc;
