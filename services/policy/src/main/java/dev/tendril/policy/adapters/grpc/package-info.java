/** The agents' gRPC API of the policy service: the published policy maps of the subjects an agent asks for. */
package dev.tendril.policy.adapters.grpc;
