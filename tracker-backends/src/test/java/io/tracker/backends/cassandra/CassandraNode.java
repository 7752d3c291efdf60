package io.tracker.backends.cassandra;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * {@code make test} starts the Cassandra node first and lets it boot while the build runs; the first Cassandra test
 * of a JVM waits for it here ({@code scripts/cassandra.sh wait}: until CQL answers, or the node's log on failure).
 */
public final class CassandraNode {
    private static boolean ready;

    private CassandraNode() {
    }

    public static synchronized void awaitReady() throws Exception {
        if (ready) {
            return;
        }
        Path script = Path.of("..", "scripts", "cassandra.sh");
        if (Files.isRegularFile(script) && System.getenv("TRACKER_TEST_CASSANDRA") == null) {
            Process p = new ProcessBuilder("bash", script.toString(), "wait").inheritIO().start();
            if (!p.waitFor(240, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException("the Cassandra node of scripts/cassandra.sh is not up (scripts/cassandra.sh start?)");
            }
        }
        ready = true;
    }
}
