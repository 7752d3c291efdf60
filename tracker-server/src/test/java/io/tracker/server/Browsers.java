package io.tracker.server;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A real headless Chromium (Debian's, installed by {@code scripts/chromium.sh install}, which {@code make test} runs)
 * driven by playwright-core from npm: runs a Node script that gets {@code CHROMIUM} in its environment and prints
 * one JSON line last.
 */
final class Browsers {
    static final String CHROMIUM = "/usr/bin/chromium";

    private Browsers() {
    }

    /** Fails in CI when Chromium is missing (make test installs it); elsewhere skips with the command to run. */
    static void requireChromium() {
        boolean present = Files.isExecutable(Path.of(CHROMIUM));
        if (!present && System.getenv("CI") != null) {
            throw new AssertionError(CHROMIUM + " is missing: make test runs scripts/chromium.sh install");
        }
        org.junit.jupiter.api.Assumptions.assumeTrue(present, "no Chromium: run scripts/chromium.sh install");
    }

    /** Runs {@code script} (JavaScript) with {@code args}; returns its last JSON line. */
    static JsonNode run(Path dir, String script, String... args) throws Exception {
        requireChromium();
        Path modules = NodeModules.install("playwright-core@1.65.1");
        Path file = dir.resolve("browser-" + System.nanoTime() + ".js");
        Files.writeString(file, script);
        return NodeModules.runForJson(file, modules, java.util.Map.of("CHROMIUM", CHROMIUM), args);
    }
}
