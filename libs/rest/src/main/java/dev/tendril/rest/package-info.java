/** The REST edge every Tendril service and agent shares: one problem+json shape and strict JSON binding. */
package dev.tendril.rest;
