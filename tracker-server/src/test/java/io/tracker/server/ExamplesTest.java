package io.tracker.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tracker.core.config.ConfigLoader;
import io.tracker.core.config.TrackerConfig;
import io.tracker.core.session.Session;
import io.tracker.core.session.SessionRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every shipped configuration (examples/, config.json, deploy/) loads, and each of its sessions is created from its
 * settings (not opened).
 */
class ExamplesTest {
    @Test
    void everyExampleLoadsAndItsSessionsBind() throws Exception {
        List<Path> files;
        try (Stream<Path> s = Files.list(Path.of("..", "examples"))) {
            files = new java.util.ArrayList<>(s.filter(p -> p.toString().endsWith(".json")).sorted().toList());
        }
        assertTrue(files.size() >= 5, files.toString());
        files.add(Path.of("..", "config.json"));
        files.add(Path.of("..", "deploy", "config.compose.json"));
        files.add(Path.of("..", "deploy", "config.cluster.json"));
        java.util.Set<String> types = new java.util.TreeSet<>();
        for (Path f : files) {
            TrackerConfig c = new ConfigLoader(k -> null).load(f);
            List<Session> sessions = SessionRegistry.fromClassPath().create(c);
            assertEquals(c.sessions().size(), sessions.size(), f.toString());
            for (int i = 0; i < sessions.size(); i++) {
                assertEquals(c.sessions().get(i).name(), sessions.get(i).name(), f.toString());
                types.add(c.sessions().get(i).type());
            }
        }
        assertEquals(java.util.Set.of("cassandra", "clickhouse", "duckdb", "kafka", "nats"), types,
                "the examples show every storage session");
    }
}
