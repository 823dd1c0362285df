/** The agents' gRPC API (tendril.v1.Ipam), served on the HTTP port. */
package dev.tendril.ipam.adapters.grpc;
