import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tracker.core.config.SessionConfig;
import io.tracker.core.model.Row;
import io.tracker.core.model.RowBuilder;
import io.tracker.core.model.Tables;
import io.tracker.core.session.Session;
import io.tracker.core.session.SessionProvider;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;
import java.util.UUID;

/**
 * One session alone (no HTTP, no batch manager): ROWS realistic event rows in batches of BATCH (default 10,000), as
 * the batch manager hands them over, written one batch after another. Prints "rows rows/s".
 *
 * <p>SHAPE {@code synthetic} (the default) builds the rows here, a dozen columns set; {@code pipeline} makes them of
 * bench/batch.lua's events with the tracker's own pipeline (config.json's settings, its enrichment: user agent,
 * channel, URL parts), so that a live run and this one write the same rows (bench/sustained.sh).
 *
 *   java -cp tracker.jar bench/SessionWrite.java TYPE 'SETTINGS_JSON' ROWS [BATCH] [SHAPE]
 *   e.g. clickhouse '{"url":"http://127.0.0.1:8123","database":"bench"}' 500000
 */
public class SessionWrite {
    public static void main(String[] args) throws Exception {
        ObjectNode settings = (ObjectNode) new ObjectMapper().readTree(args[1]);
        SessionProvider provider = ServiceLoader.load(SessionProvider.class).stream().map(ServiceLoader.Provider::get)
                .filter(p -> p.type().equals(args[0])).findFirst().orElseThrow(() -> new IllegalArgumentException("no session type " + args[0]));
        Path dir = Path.of(System.getProperty("java.io.tmpdir"), "tracker-sessionwrite-" + ProcessHandle.current().pid());
        Session s = provider.create(new SessionConfig(args[0], "bench", settings), "bench", dir);
        long opening = System.nanoTime();
        s.open(Tables.ALL);
        System.err.printf("open took %d ms%n", (System.nanoTime() - opening) / 1_000_000); // (Kafka: the id read-back)
        int total = Integer.parseInt(args[2]);
        int batch = args.length > 3 ? Integer.parseInt(args[3]) : 10_000;
        List<List<Row>> batches = args.length > 4 && args[4].equals("pipeline") ? pipelineRows(total, batch) : new ArrayList<>();
        long now = System.currentTimeMillis();
        for (int b = batches.size(); b < total / batch; b++) {
            List<Row> rows = new ArrayList<>(batch);
            for (int i = 0; i < batch; i++) {
                rows.add(new RowBuilder(Tables.EVENTS).eid(UUID.randomUUID()).set("vid", UUID.randomUUID())
                        .set("sid", UUID.randomUUID()).set("ename", "bench_post").set("etyp", "page")
                        .set("url", "shop.example.com/cart").set("hhash", "d4md6").set("iphash", "2eauxqsti0h26dc3qe1mfglks")
                        .set("tz", "america/los_angeles").set("culture", "en-us").set("vp_w", 1280L).set("vp_h", 720L)
                        .set("params", "{\"plan\":\"pro\",\"seats\":3}").set("created_at", now + i).build());
            }
            batches.add(rows);
        }
        long t0 = System.nanoTime();
        for (List<Row> b : batches) {
            s.write(Tables.EVENTS, b, Boolean.getBoolean("mayRepeat")); // -DmayRepeat=true: as a replay writes
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        s.close();
        System.out.printf("%d %.0f%n", batches.size() * batch, batches.size() * batch / secs);
    }

    /** ROWS rows the pipeline makes of bench/batch.lua's 25-event POSTs (a visitor per event), in batches of BATCH. */
    static List<List<Row>> pipelineRows(int total, int batch) throws Exception {
        ObjectMapper mapper = new ObjectMapper();
        io.tracker.core.config.TrackerConfig config = io.tracker.core.config.ConfigLoader.fromSystemEnvironment()
                .load(Path.of("config.json"));
        config = config.withBatching(config.batching().withDurability("memory"));
        List<Row> rows = java.util.Collections.synchronizedList(new ArrayList<>());
        Session capture = new Session() {
            public String name() {
                return "capture";
            }

            public void open(List<io.tracker.core.model.Table> tables) {
            }

            public void write(io.tracker.core.model.Table table, List<Row> batch) {
                if (table == Tables.EVENTS) {
                    rows.addAll(batch);
                }
            }

            public boolean isHealthy() {
                return true;
            }

            public void close() {
            }
        };
        Path dir = java.nio.file.Files.createTempDirectory("tracker-sessionwrite-rows");
        var registry = new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
        var manager = new io.tracker.core.batch.BatchManager(List.of(capture), Tables.ALL, config.batching(), dir, registry);
        manager.start();
        manager.awaitOpen(java.time.Duration.ofSeconds(10));
        var ingest = new io.tracker.core.pipeline.Ingest(mapper, io.tracker.core.pipeline.EventPipeline.standard(config, mapper,
                new io.tracker.core.pipeline.EventIds(), registry, null,
                new io.tracker.core.privacy.IpAnonymizer(config.privacy().ipMode()),
                io.tracker.core.enrich.Enrichment.load(config, mapper)), manager, 1000, registry);
        java.util.Random random = new java.util.Random(7);
        for (int n = 0; n < total; n += 25) {
            StringBuilder body = new StringBuilder("[");
            for (int i = 1; i <= 25; i++) {
                UUID vid = new UUID((random.nextLong() & ~0xF000L) | 0x7000L, (random.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L);
                body.append(i == 1 ? "" : ",").append("{\"ename\":\"bench_batch\",\"etyp\":\"page\",\"vid\":\"").append(vid)
                        .append("\",\"url\":\"https://shop.example.com/cart?x=").append(i)
                        .append("\",\"tz\":\"america/los_angeles\",\"w\":1280,\"h\":720,\"params\":{\"plan\":\"pro\",\"seats\":3}}");
            }
            byte[] bytes = body.append(']').toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
            ingest.ingest(new io.tracker.core.pipeline.HitRequest(io.tracker.core.pipeline.Route.TRACK, "POST", "", null, bytes,
                    java.util.Map.of(), null, "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
                    + "Chrome/124.0.0.0 Safari/537.36", "en-US,en;q=0.9", "127.0.0.1", "127.0.0.1:18085", java.util.Map.of())).get();
        }
        manager.close(java.time.Duration.ofSeconds(30));
        try (var files = java.nio.file.Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
        if (rows.size() < total) {
            throw new IllegalStateException("the pipeline made " + rows.size() + " rows of " + total + " events");
        }
        List<List<Row>> batches = new ArrayList<>();
        for (int from = 0; from + batch <= rows.size() && batches.size() < total / batch; from += batch) {
            batches.add(new ArrayList<>(rows.subList(from, from + batch)));
        }
        StringBuilder set = new StringBuilder();
        for (int c = 0; !rows.isEmpty() && c < Tables.EVENTS.columns().size(); c++) {
            if (rows.get(0).get(c) != null) {
                set.append(' ').append(Tables.EVENTS.columns().get(c).name()).append('=').append(rows.get(0).get(c));
            }
        }
        System.err.printf("%d rows from the pipeline, the first:%s%n", rows.size(), set);
        return batches;
    }
}
