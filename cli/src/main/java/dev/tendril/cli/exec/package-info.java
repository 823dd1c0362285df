/** {@code tendril exec}: runs a command in a pod's network namespace of a stack on the kernel datapath. */
package dev.tendril.cli.exec;
