package io.tracker.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tracker.core.batch.BatchManager;
import io.tracker.core.batch.QueueFullException;
import io.tracker.core.config.TrackerConfig;
import io.tracker.core.model.Row;
import io.tracker.core.model.RowBuilder;
import io.tracker.core.model.Table;
import io.tracker.core.model.Tables;
import io.tracker.core.pipeline.EventIds;
import io.tracker.core.pipeline.EventPipeline;
import io.tracker.core.pipeline.HitRequest;
import io.tracker.core.pipeline.Ingest;
import io.tracker.core.pipeline.Route;
import io.tracker.core.session.Session;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The ingest path without the network: a JSON POST through the values pipeline, row mapping and the
 * batch manager's enqueue ({@code memory} durability, a session that discards), and enqueue alone.
 * Run with {@code -prof gc} for bytes allocated per event ({@code gc.alloc.rate.norm}).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class EnqueueBenchmark {
    private static final byte[] BODY = ("{\"ename\":\"Page_View\",\"etyp\":\"page\",\"vid\":\"0190c8a4-5d2b-7c3e-9f00-5a1b2c3d4e5f\","
            + "\"url\":\"https://shop.example.com/cart?x=1\",\"tz\":\"america/los_angeles\",\"w\":1280,\"h\":720,"
            + "\"email\":\"user@example.com\",\"params\":{\"plan\":\"pro\",\"seats\":3}}").getBytes(StandardCharsets.UTF_8);

    private BatchManager batches;
    private Ingest ingest;
    private HitRequest request;
    private Row row;
    private Path dir;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        dir = Files.createTempDirectory("tracker-jmh");
        TrackerConfig config = TrackerConfig.standard();
        config = config.withBatching(config.batching().withDurability("memory"));
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        batches = new BatchManager(List.of(new DiscardSession()), Tables.ALL, config.batching(), dir, registry);
        batches.start();
        batches.awaitOpen(Duration.ofSeconds(10));
        ObjectMapper mapper = new ObjectMapper();
        ingest = new Ingest(mapper, EventPipeline.standard(config, mapper, new EventIds(), registry), batches, 1000, registry);
        request = new HitRequest(Route.TRACK, "POST", "", null, BODY, Map.of("sid", "0190c8a4-5d2b-7c3e-9f00-5a1b2c3d4e60"),
                null, "Mozilla/5.0 (X11; Linux x86_64) Chrome/126.0", "en-US,en;q=0.9", "203.0.113.9", "shop.example.com");
        row = new RowBuilder(Tables.EVENTS).eid(UUID.randomUUID()).set("created_at", 0L).set("ename", "x").build();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        batches.close(Duration.ofSeconds(10));
    }

    /** HTTP body → pipeline → row → queued: what an event loop does per tracking POST. */
    @Benchmark
    public Object pipelineAndEnqueue() throws Exception {
        return ingest.ingest(request);
    }

    /** The batch manager's admission and queueing alone. */
    @Benchmark
    public Object enqueueOnly() throws QueueFullException {
        return batches.enqueue(List.of(row));
    }

    /** Stores nothing: measures everything above the session SPI. */
    static final class DiscardSession implements Session {
        @Override
        public String name() {
            return "discard";
        }

        @Override
        public void open(List<Table> tables) {
        }

        @Override
        public void write(Table table, List<Row> rows) {
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
