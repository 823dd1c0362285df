/** Kubernetes' syntax rules for names, label keys and label values, written once for every Tendril module. */
package dev.tendril.k8s;
