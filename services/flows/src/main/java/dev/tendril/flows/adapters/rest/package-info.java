/** REST: {@code GET /v1/flows} with {@code hubble observe}'s filters as query parameters, JSON or SSE; {@code GET /v1/status}. */
package dev.tendril.flows.adapters.rest;
