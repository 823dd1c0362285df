package dev.tendril.policy.adapters.persistence;

import dev.tendril.policy.app.Leadership;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.function.Consumer;
import javax.sql.DataSource;
import org.jboss.logging.Logger;

/**
 * Which replica publishes a policy topic: the one whose PostgreSQL session holds the advisory lock
 * {@code tendril-policy-leader/<topic>}, as the outbox relay elects its publisher. The lock belongs to
 * one dedicated connection; losing that session (the process died, the connection broke, an operator
 * terminated the backend) releases the lock, and a standby takes it on its next attempt.
 *
 * <p>Fencing: {@link #confirm} asks PostgreSQL whether this session still holds the lock, and the
 * publishing thread calls it before every publish round; an answer other than yes ends the leadership
 * at once. The election thread confirms as well while there is nothing to publish, and a standby tries
 * for the lock every {@link #ATTEMPT_EVERY}.
 */
public final class PolicyLeadership implements Leadership {

    private static final Logger LOG = Logger.getLogger(PolicyLeadership.class);
    /** A standby tries for the lock this often; a leader confirms its session this often. */
    static final Duration ATTEMPT_EVERY = Duration.ofMillis(250);

    private static final int QUERY_TIMEOUT_SECONDS = 2;

    private final DataSource dataSource;
    private final String lockName;
    /** Hears the changes once {@link #start} was called. */
    private Consumer<Boolean> onChange = leads -> {};

    private Connection session;
    private Thread thread;
    private volatile boolean closed;

    public PolicyLeadership(DataSource dataSource, String topic) {
        this.dataSource = dataSource;
        this.lockName = "tendril-policy-leader/" + topic;
    }

    /** {@code onChange} hears {@code true} when this replica became leader, {@code false} when it lost it. */
    @Override
    public synchronized void start(Consumer<Boolean> onChange) {
        this.onChange = onChange;
        if (thread == null && !closed) {
            thread =
                    Thread.ofPlatform().name("tendril-policy-election").daemon().start(this::run);
        }
    }

    /** Whether this replica leads (its session held the lock when last asked). */
    synchronized boolean leading() {
        return session != null;
    }

    /** Fencing: asks PostgreSQL whether this session still holds the lock; steps down when it does not. */
    @Override
    public synchronized boolean confirm() {
        if (session == null) {
            return false;
        }
        try (Statement check = session.createStatement()) {
            check.setQueryTimeout(QUERY_TIMEOUT_SECONDS);
            try (ResultSet row = check.executeQuery("SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = "
                    + "'advisory' AND pid = pg_backend_pid() AND granted)")) {
                if (row.next() && row.getBoolean(1)) {
                    return true;
                }
            }
            LOG.warnf("policy leadership lost: the session no longer holds %s", lockName);
        } catch (SQLException e) {
            LOG.warnf("policy leadership lost: the session holding %s broke: %s", lockName, e.getMessage());
        }
        stepDown();
        return false;
    }

    /** Tries for the lock once; true when this replica leads afterwards. */
    synchronized boolean attempt() {
        if (closed) {
            return false;
        }
        if (session != null) {
            return confirm();
        }
        Connection candidate = null;
        try {
            candidate = dataSource.getConnection();
            candidate.setAutoCommit(true);
            try (PreparedStatement lock = candidate.prepareStatement("SELECT pg_try_advisory_lock(hashtext(?))")) {
                lock.setQueryTimeout(QUERY_TIMEOUT_SECONDS);
                lock.setString(1, lockName);
                try (ResultSet row = lock.executeQuery()) {
                    if (!row.next() || !row.getBoolean(1)) {
                        candidate.close();
                        return false;
                    }
                }
            }
        } catch (SQLException e) {
            LOG.debugf("cannot try for %s: %s", lockName, e.getMessage());
            quietly(candidate);
            return false;
        }
        session = candidate;
        LOG.infof("this replica leads: it holds %s and publishes", lockName);
        onChange.accept(true);
        return true;
    }

    /** For tests and drills: ends the leadership as a dying leader would, and does not try again until told. */
    @Override
    public synchronized void resign() {
        closed = true;
        stepDown();
    }

    private void stepDown() {
        Connection was = session;
        session = null;
        if (was == null) {
            return;
        }
        try (Statement unlock = was.createStatement()) {
            unlock.execute("SELECT pg_advisory_unlock_all()");
        } catch (SQLException ignored) {
            // the lock goes with the session anyway
        }
        quietly(was);
        onChange.accept(false);
    }

    private void run() {
        while (!closed) {
            attempt();
            try {
                Thread.sleep(ATTEMPT_EVERY);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    @Override
    public void close() {
        Thread t;
        synchronized (this) {
            closed = true;
            stepDown();
            t = thread;
        }
        if (t != null) {
            t.interrupt();
        }
    }

    private static void quietly(Connection c) {
        if (c != null) {
            try {
                c.close();
            } catch (SQLException ignored) {
                // already broken
            }
        }
    }
}
