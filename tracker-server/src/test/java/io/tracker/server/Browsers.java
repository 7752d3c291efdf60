package io.tracker.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real headless Chromium (Debian's, installed by {@code scripts/chromium.sh install}, which {@code make test} runs)
 * driven by playwright-core from npm: runs a Node script that gets {@code CHROMIUM} in its environment and prints
 * one JSON line last.
 */
final class Browsers {
    static final String CHROMIUM = "/usr/bin/chromium";
    private static final ObjectMapper JSON = new ObjectMapper();

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
        List<String> cmd = new ArrayList<>(List.of("node", file.toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("NODE_PATH", modules.toString());
        pb.environment().put("CHROMIUM", CHROMIUM);
        Process p = pb.start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), out);
        assertEquals(0, p.exitValue(), out);
        return JSON.readTree(out.lines().filter(l -> l.startsWith("{")).reduce((a, b) -> b)
                .orElseThrow(() -> new AssertionError("no JSON line from the browser script:\n" + out)));
    }
}
