package dev.tendril.flows.adapters;

import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.UnknownFieldSet;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;

/**
 * Reads a field of one of Hubble's messages by its upstream name when Tendril's api/ declares it, else
 * from the unknown fields by its upstream number: a flow or filter from a client (or an agent) built on
 * upstream's protos carries fields Tendril's copy may not declare yet, and they must not be lost.
 */
public final class ProtoFields {

    private ProtoFields() {}

    /** A repeated or singular string field; empty strings are left out. */
    public static List<String> strings(Message message, String name, int number) {
        return strings(message, message.getDescriptorForType().findFieldByName(name), number);
    }

    /** As {@link #strings(Message, String, int)}, the field looked up already ({@code null}: not declared). */
    public static List<String> strings(Message message, FieldDescriptor field, int number) {
        if (field == null && !message.getUnknownFields().hasField(number)) {
            return List.of();
        }
        List<String> out = new ArrayList<>();
        if (field != null) {
            if (field.isRepeated()) {
                for (Object value : (List<?>) message.getField(field)) {
                    out.add((String) value);
                }
            } else if (!((String) message.getField(field)).isEmpty()) {
                out.add((String) message.getField(field));
            }
        } else if (message.getUnknownFields().hasField(number)) {
            for (ByteString value : message.getUnknownFields().getField(number).getLengthDelimitedList()) {
                out.add(value.toStringUtf8());
            }
        }
        return out;
    }

    /**
     * A repeated message field whose own fields of interest are strings: each element as a function from
     * a field number to its value ("" when unset).
     */
    public static List<IntFunction<String>> messages(Message message, String name, int number) {
        List<IntFunction<String>> out = new ArrayList<>();
        FieldDescriptor field = message.getDescriptorForType().findFieldByName(name);
        if (field != null) {
            for (Object value : (List<?>) message.getField(field)) {
                Message element = (Message) value;
                out.add(n -> {
                    FieldDescriptor f = element.getDescriptorForType().findFieldByNumber(n);
                    return f == null ? "" : String.valueOf(element.getField(f));
                });
            }
        } else if (message.getUnknownFields().hasField(number)) {
            for (ByteString bytes : message.getUnknownFields().getField(number).getLengthDelimitedList()) {
                UnknownFieldSet element;
                try {
                    element = UnknownFieldSet.parseFrom(bytes);
                } catch (InvalidProtocolBufferException e) {
                    continue;
                }
                out.add(n -> element.hasField(n)
                                && !element.getField(n).getLengthDelimitedList().isEmpty()
                        ? element.getField(n).getLengthDelimitedList().getLast().toStringUtf8()
                        : "");
            }
        }
        return out;
    }
}
