package io.tracker.server;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The tracker as a separate process (same class path), for SIGTERM and SIGKILL tests. */
final class ChildTracker {
    private ChildTracker() {
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** Starts {@code Main} with the shipped config.json, appending its output to {@code log}, and waits for /health. */
    static Process start(int port, Path dataDir, Path log, String... extraArgs) throws Exception {
        return start(port, dataDir, log, java.util.Map.of(), extraArgs);
    }

    /** As above, with {@code env} added to the child's environment (TRACKER_* configuration overrides). */
    static Process start(int port, Path dataDir, Path log, java.util.Map<String, String> env, String... extraArgs)
            throws Exception {
        return start(port, dataDir, log, env, Path.of("..", "config.json"), extraArgs);
    }

    /** As above with a configuration file of the test's own. */
    static Process start(int port, Path dataDir, Path log, java.util.Map<String, String> env, Path config,
                         String... extraArgs) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-cp", System.getProperty("java.class.path"), Main.class.getName(),
                "--config", config.toString(),
                "--port", Integer.toString(port), "--data-dir", dataDir.toString()));
        cmd.addAll(List.of(extraArgs));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        pb.environment().putAll(env);
        Process p = pb.start();
        HttpClient http = HttpClient.newHttpClient();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            assertTrue(p.isAlive(), () -> "tracker died: " + read(log));
            try {
                if (http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health")).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return p;
                }
            } catch (IOException notYet) {
                Thread.sleep(50);
            }
        }
        p.destroyForcibly();
        throw new AssertionError("tracker did not come up: " + read(log));
    }

    static String read(Path log) {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(no log)";
        }
    }
}
