/** The admin REST API (OpenAPI at /q/openapi) and its problem+json errors. */
package dev.tendril.ipam.adapters.rest;
