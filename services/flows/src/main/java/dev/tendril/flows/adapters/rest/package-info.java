/** REST: {@code GET /v1/flows} with {@code hubble observe}'s filters as query parameters, JSON or SSE. */
package dev.tendril.flows.adapters.rest;
