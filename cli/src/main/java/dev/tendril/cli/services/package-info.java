/** The CLI's commands over Services and EndpointSlices, which the policy service keeps. */
package dev.tendril.cli.services;
