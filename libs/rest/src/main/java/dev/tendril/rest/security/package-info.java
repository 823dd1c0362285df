/**
 * The access check in every service and agent: the caller from its client certificate (Quarkus' mTLS
 * authentication), the component's access table applied to every HTTP and gRPC request, and 401/403 answered as
 * problem+json or as a gRPC status with the same text.
 */
package dev.tendril.rest.security;
