package dev.tendril.agent.bpf;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How many bpf(2) calls this JVM has made, counted where they are made ({@code Bpf}), by command: what a
 * map write costs in system calls, for load drivers and tests that compare it with what changed.
 */
public final class BpfSyscalls {

    private static final String[] NAMES = new String[Bpf.CALLS.length()];

    static {
        NAMES[Bpf.BPF_MAP_CREATE] = "MAP_CREATE";
        NAMES[Bpf.BPF_MAP_LOOKUP_ELEM] = "MAP_LOOKUP_ELEM";
        NAMES[Bpf.BPF_MAP_UPDATE_ELEM] = "MAP_UPDATE_ELEM";
        NAMES[Bpf.BPF_MAP_DELETE_ELEM] = "MAP_DELETE_ELEM";
        NAMES[Bpf.BPF_MAP_GET_NEXT_KEY] = "MAP_GET_NEXT_KEY";
        NAMES[Bpf.BPF_OBJ_PIN] = "OBJ_PIN";
        NAMES[Bpf.BPF_OBJ_GET] = "OBJ_GET";
        NAMES[Bpf.BPF_OBJ_GET_INFO_BY_FD] = "OBJ_GET_INFO_BY_FD";
        NAMES[Bpf.BPF_MAP_LOOKUP_BATCH] = "MAP_LOOKUP_BATCH";
        NAMES[Bpf.BPF_MAP_UPDATE_BATCH] = "MAP_UPDATE_BATCH";
        NAMES[Bpf.BPF_MAP_DELETE_BATCH] = "MAP_DELETE_BATCH";
    }

    private BpfSyscalls() {}

    /** Every bpf(2) call so far, all commands and threads together. */
    public static long total() {
        long sum = 0;
        for (int i = 0; i < Bpf.CALLS.length(); i++) {
            sum += Bpf.CALLS.get(i);
        }
        return sum;
    }

    /** Calls so far by command name ({@code MAP_LOOKUP_ELEM}, ...), commands never called left out. */
    public static Map<String, Long> byCommand() {
        Map<String, Long> out = new LinkedHashMap<>();
        for (int i = 0; i < Bpf.CALLS.length(); i++) {
            long n = Bpf.CALLS.get(i);
            if (n > 0) {
                out.put(NAMES[i] == null ? "cmd " + i : NAMES[i], n);
            }
        }
        return out;
    }
}
