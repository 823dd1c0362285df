package dev.tendril.security;

import java.nio.file.Path;

/** A certificate and its private key as PEM files. */
public record Credential(Path certificate, Path privateKey) {}
