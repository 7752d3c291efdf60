package io.tracker.core.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tracker.core.batch.BatchManager;
import io.tracker.core.batch.QueueFullException;
import io.tracker.core.config.TrackerConfig;
import io.tracker.core.model.Row;
import io.tracker.core.model.Table;
import io.tracker.core.model.Tables;
import io.tracker.core.session.Session;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Ingest asks the batch manager before it parses: a refusal costs no parsing, and it wins over a bad body. */
class IngestAdmissionTest {
    @TempDir
    Path dir;

    private final AtomicInteger stored = new AtomicInteger();

    @Test
    void aRequestIsRefusedBeforeItsBodyIsParsedWhenNothingCanBeQueued() throws Exception {
        TrackerConfig config = TrackerConfig.standard();
        config = config.withBatching(config.batching().withDurability("memory"));
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        BatchManager batches = new BatchManager(List.of(new Counting()), Tables.ALL, config.batching(), dir, registry);
        batches.start();
        batches.awaitOpen(Duration.ofSeconds(10));
        ObjectMapper mapper = new ObjectMapper();
        Ingest ingest = new Ingest(mapper, EventPipeline.standard(config, mapper, new EventIds(), registry), batches, 1000,
                registry);

        assertThrows(BadRequestException.class, () -> ingest.ingest(post("[{\"ename\":")), "open: a bad body is a 400");
        ingest.ingest(post("[{\"ename\":\"a\"},{\"ename\":\"b\"}]")).get(10, TimeUnit.SECONDS);
        batches.close(Duration.ofSeconds(10));
        assertEquals(2, stored.get());

        QueueFullException refused = assertThrows(QueueFullException.class, () -> ingest.ingest(post("[{\"ename\":")),
                "stopping: refused before the body is read, even a bad one");
        assertEquals("shutting down", refused.getMessage());
        assertThrows(QueueFullException.class, () -> ingest.ingest(post("[{\"ename\":\"c\"}]")));
        assertEquals(2, stored.get(), "nothing queued after the refusal");
    }

    private static HitRequest post(String body) {
        return new HitRequest(Route.TRACK, "POST", "", null, body.getBytes(StandardCharsets.UTF_8), Map.of(), null,
                "Mozilla/5.0 (X11; Linux x86_64) Chrome/126.0", "en-US", "203.0.113.9", "shop.example.com", Map.of());
    }

    private final class Counting implements Session {
        @Override
        public String name() {
            return "counting";
        }

        @Override
        public void open(List<Table> tables) {
        }

        @Override
        public void write(Table table, List<Row> rows) {
            if (table == Tables.EVENTS) {
                stored.addAndGet(rows.size());
            }
        }

        @Override
        public boolean isHealthy() {
            return true;
        }

        @Override
        public void close() {
        }
    }
}
