/** Quarkus wiring of the IPAM service: typed config validated at start-up, beans, the expiry sweeper. */
package dev.tendril.ipam.adapters.wiring;
