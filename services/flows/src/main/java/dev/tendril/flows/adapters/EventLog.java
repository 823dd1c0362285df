package dev.tendril.flows.adapters;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.LongConsumer;

/**
 * The newest {@code capacity} events of one kind and their live followers, each with a bounded queue: a
 * follower that does not keep up loses events (counted, as Hubble's {@code observer_events_queue})
 * instead of holding the publisher. Publishing and subscribing are atomic with respect to each other, so
 * a follower sees the history up to its start and then every later event, once.
 */
public final class EventLog<T> {

    private final int capacity;
    private final int queueSize;
    private final LongConsumer onLost;
    private final ArrayDeque<T> history = new ArrayDeque<>();
    private final List<Subscription<T>> followers = new CopyOnWriteArrayList<>();

    public EventLog(int capacity, int queueSize, LongConsumer onLost) {
        this.capacity = capacity;
        this.queueSize = queueSize;
        this.onLost = onLost;
    }

    public synchronized void publish(T event) {
        if (capacity > 0) {
            if (history.size() == capacity) {
                history.removeFirst();
            }
            history.addLast(event);
        }
        for (Subscription<T> follower : followers) {
            if (!follower.queue.offer(event)) {
                onLost.accept(1);
            }
        }
    }

    public synchronized List<T> history() {
        return List.copyOf(history);
    }

    /** The history now and a subscription to every event published after it. */
    public synchronized Subscription<T> subscribe() {
        Subscription<T> subscription = new Subscription<>(this, new ArrayList<>(history), queueSize);
        followers.add(subscription);
        return subscription;
    }

    public int followers() {
        return followers.size();
    }

    /** One follower's view; close it when the client goes away. */
    public static final class Subscription<T> implements AutoCloseable {

        private final EventLog<T> log;
        private final List<T> history;
        private final BlockingQueue<T> queue;

        Subscription(EventLog<T> log, List<T> history, int queueSize) {
            this.log = log;
            this.history = List.copyOf(history);
            this.queue = new ArrayBlockingQueue<>(Math.max(1, queueSize));
        }

        /** The events held when the subscription started, oldest first. */
        public List<T> history() {
            return history;
        }

        /** The next event, or null after {@code timeoutMillis} without one. */
        public T poll(long timeoutMillis) throws InterruptedException {
            return queue.poll(timeoutMillis, TimeUnit.MILLISECONDS);
        }

        @Override
        public void close() {
            log.followers.remove(this);
        }
    }
}
