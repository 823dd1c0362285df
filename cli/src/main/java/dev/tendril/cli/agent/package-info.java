/** The node agents of the stack: which agent serves which node, and which agent holds a pod. */
package dev.tendril.cli.agent;
