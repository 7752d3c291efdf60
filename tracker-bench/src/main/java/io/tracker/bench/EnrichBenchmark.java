package io.tracker.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tracker.core.batch.BatchManager;
import io.tracker.core.config.EnrichConfig;
import io.tracker.core.config.TrackerConfig;
import io.tracker.core.enrich.Enrichment;
import io.tracker.core.model.Tables;
import io.tracker.core.pipeline.EventIds;
import io.tracker.core.pipeline.EventPipeline;
import io.tracker.core.pipeline.HitRequest;
import io.tracker.core.pipeline.Ingest;
import io.tracker.core.pipeline.Route;
import io.tracker.core.privacy.IpAnonymizer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The cost of enrichment on the ingest path ({@link EnqueueBenchmark#pipelineAndEnqueue} with the enrichment steps):
 * {@code off} (the Go pipeline), {@code repeated} (one User-Agent: every lookup a cache hit, as most traffic is) and
 * {@code distinct} (a new User-Agent per event beyond the cache: Yauaa and the crawler list on every event, the
 * worst case a hostile client can force). A browser-route POST with a referrer, utm parameters and a tz.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgs = {"-Xmx512m"})
public class EnrichBenchmark {
    private static final byte[] BODY = ("{\"ename\":\"page_view\",\"etyp\":\"page\",\"vid\":\"0190c8a4-5d2b-7c3e-9f00-5a1b2c3d4e5f\","
            + "\"url\":\"https://shop.example.com/cart?x=1\",\"last\":\"https://www.google.com/\",\"tz\":\"europe/berlin\","
            + "\"utm_source\":\"newsletter\",\"utm_medium\":\"email\",\"w\":1280,\"h\":720}").getBytes(StandardCharsets.UTF_8);
    private static final String UA = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
            + "Chrome/124.0.0.0 Safari/537.36";

    @Param({"off", "repeated", "distinct"})
    public String mode;

    private BatchManager batches;
    private Ingest ingest;
    private HitRequest[] requests;
    private int next;
    private Path dir;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        dir = Files.createTempDirectory("tracker-jmh");
        TrackerConfig config = TrackerConfig.standard();
        config = config.withBatching(config.batching().withDurability("memory"));
        if (mode.equals("off")) {
            config = config.withEnrich(EnrichConfig.off());
        }
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        batches = new BatchManager(List.of(new EnqueueBenchmark.DiscardSession()), Tables.ALL, config.batching(), dir,
                registry);
        batches.start();
        batches.awaitOpen(Duration.ofSeconds(10));
        ObjectMapper mapper = new ObjectMapper();
        EventPipeline pipeline = EventPipeline.standard(config, mapper, new EventIds(), registry, null,
                new IpAnonymizer(config.privacy().ipMode()), Enrichment.load(config, mapper));
        ingest = new Ingest(mapper, pipeline, batches, 1000, registry);
        int n = mode.equals("distinct") ? 200_000 : 1; // 10× the UA cache: every lookup a miss
        requests = new HitRequest[n];
        for (int i = 0; i < n; i++) {
            String ua = n == 1 ? UA : UA.replace("124.0.0.0", "124.0." + (i / 1000) + "." + (i % 1000));
            requests[i] = new HitRequest(Route.TRACK, "POST", "", null, BODY,
                    Map.of("sid", "0190c8a4-5d2b-7c3e-9f00-5a1b2c3d4e60"), null, ua, "en-US,en;q=0.9", "203.0.113.9",
                    "shop.example.com");
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        batches.close(Duration.ofSeconds(10));
    }

    @Benchmark
    public Object pipelineAndEnqueue() throws Exception {
        HitRequest r = requests[next];
        next = next + 1 == requests.length ? 0 : next + 1;
        return ingest.ingest(r);
    }
}
