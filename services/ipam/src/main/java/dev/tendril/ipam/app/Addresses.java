package dev.tendril.ipam.app;

import dev.tendril.eventstore.CommandRejectedException;
import dev.tendril.net.IpAddress;
import java.util.List;

/** Addresses as callers send them: text, parsed here so a bad one is refused naming its field. */
final class Addresses {

    private Addresses() {}

    static IpAddress parse(String field, String text) {
        try {
            return IpAddress.parse(text);
        } catch (IllegalArgumentException e) {
            throw CommandRejectedException.invalid(field, e.getMessage());
        }
    }

    static List<IpAddress> parseAll(String field, List<String> texts) {
        if (texts == null) {
            return List.of();
        }
        return texts.stream().map(t -> parse(field, t)).toList();
    }
}
