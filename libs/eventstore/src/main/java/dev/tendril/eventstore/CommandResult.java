package dev.tendril.eventstore;

import java.util.List;

/** What handling a command did: the events it appended (empty if it changed nothing) and the state after. */
public record CommandResult<S, E>(S state, long version, List<E> events) {}
