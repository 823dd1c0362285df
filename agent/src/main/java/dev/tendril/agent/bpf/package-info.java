/** Real eBPF maps through the bpf(2) system call, called from Java with the FFM API: create, pin, reopen, update, look up, iterate. */
package dev.tendril.agent.bpf;
