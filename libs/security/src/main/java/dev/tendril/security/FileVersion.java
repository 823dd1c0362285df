package dev.tendril.security;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;
import java.util.Objects;

/** What tells a replaced file from the one read before: a rename gives it another inode, an edit another time or size. */
final class FileVersion {

    private FileVersion() {}

    /** The file's inode, modification time and size; {@code "unreadable"} when it cannot be looked at. */
    static Object of(Path file) {
        try {
            BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
            return List.of(
                    Objects.toString(attributes.fileKey()),
                    attributes.lastModifiedTime().toMillis(),
                    attributes.size());
        } catch (IOException e) {
            return "unreadable";
        }
    }
}
