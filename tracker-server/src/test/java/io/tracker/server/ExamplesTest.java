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

/** Every shipped configuration loads, validates, and every session in it is created by its provider (not opened). */
class ExamplesTest {
    @Test
    void shippedConfigurationsAreValid() throws Exception {
        List<Path> files;
        try (Stream<Path> s = Files.list(Path.of("..", "examples"))) {
            files = s.filter(p -> p.toString().endsWith(".json")).sorted().toList();
        }
        assertTrue(files.size() >= 4, "examples: " + files);
        // The configurations the compose files mount, too (their hosts only resolve inside the compose network).
        List<Path> deploy = List.of(Path.of("..", "deploy", "config.compose.json"), Path.of("..", "deploy", "config.cluster.json"));
        for (Path f : Stream.of(files.stream(), deploy.stream(), Stream.of(Path.of("..", "config.json"))).flatMap(x -> x).toList()) {
            TrackerConfig c = new ConfigLoader(k -> null).load(f);
            List<Session> sessions = SessionRegistry.fromClassPath().create(c);
            assertEquals(c.sessions().size(), sessions.size(), f.toString());
        }
        TrackerConfig all = new ConfigLoader(k -> null).load(Path.of("..", "examples", "all.json"));
        assertEquals(List.of("clickhouse", "cassandra", "duckdb", "nats"), all.sessions().stream().map(s -> s.type()).toList());
    }
}
