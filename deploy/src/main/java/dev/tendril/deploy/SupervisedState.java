package dev.tendril.deploy;

import java.util.Locale;

/** Where a supervised component is in its life, as supervisor.json and `tendril status` show it. */
enum SupervisedState {
    STARTING,
    RUNNING,
    BACKOFF,
    EXITED,
    STOPPED;

    String json() {
        return name().toLowerCase(Locale.ROOT);
    }
}
