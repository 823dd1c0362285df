/** {@code tendril bpf}: an agent's datapath maps as it decodes them ({@code GET /v1/maps/...}), like {@code cilium bpf}. */
package dev.tendril.cli.bpf;
