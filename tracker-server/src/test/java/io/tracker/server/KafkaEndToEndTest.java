package io.tracker.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import io.tracker.backends.kafka.KafkaTopics;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kafka on the real broker of {@code scripts/kafka.sh}: the session beside DuckDB through a broker outage under load,
 * and consumers turning records into rows, exactly once across a graceful restart and a SIGKILL.
 */
class KafkaEndToEndTest {
    static final String KAFKA = KafkaTopics.SERVERS;
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dataDir;
    private String base;
    private Tracker tracker;

    @BeforeEach
    void names() {
        base = "it_" + UUID.randomUUID().toString().replace("-", "").substring(0, 10);
    }

    @AfterEach
    void cleanUp() throws Exception {
        if (tracker != null) {
            tracker.stop();
        }
        KafkaTopics.deleteTopics(base);
    }

    static void createTopic(String topic, int partitions) throws Exception {
        try (Admin a = KafkaTopics.admin()) {
            a.createTopics(List.of(new NewTopic(topic, partitions, (short) 1))).all().get(30, TimeUnit.SECONDS);
        }
    }

    static KafkaProducer<byte[], byte[]> producer() {
        Properties p = new Properties();
        p.put("bootstrap.servers", KAFKA);
        p.put("acks", "all");
        p.put("linger.ms", 5);
        return new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
    }

    static void produce(String topic, List<String> values) throws Exception {
        try (KafkaProducer<byte[], byte[]> p = producer()) {
            List<Future<?>> acks = new ArrayList<>();
            for (String v : values) {
                acks.add(p.send(new ProducerRecord<>(topic, v.getBytes(StandardCharsets.UTF_8))));
            }
            for (Future<?> f : acks) {
                f.get(30, TimeUnit.SECONDS);
            }
        }
    }

    /** Whether the group has committed every partition of {@code topic} up to its end. */
    static boolean caughtUp(String group, String topic) throws Exception {
        try (Admin a = KafkaTopics.admin()) {
            Map<TopicPartition, OffsetAndMetadata> committed = a.listConsumerGroupOffsets(group)
                    .partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            int partitions = a.describeTopics(List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS).get(topic)
                    .partitions().size();
            for (int i = 0; i < partitions; i++) {
                latest.put(new TopicPartition(topic, i), OffsetSpec.latest());
            }
            for (var e : a.listOffsets(latest).all().get(30, TimeUnit.SECONDS).entrySet()) {
                OffsetAndMetadata c = committed.get(e.getKey());
                if (e.getValue().offset() > 0 && (c == null || c.offset() < e.getValue().offset())) {
                    return false;
                }
            }
            return true;
        }
    }

    /** The offsets the group has committed, summed over its partitions. */
    static long committed(String group) throws Exception {
        try (Admin a = KafkaTopics.admin()) {
            long n = 0;
            for (OffsetAndMetadata o : a.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata()
                    .get(30, TimeUnit.SECONDS).values()) {
                n += o == null ? 0 : o.offset();
            }
            return n;
        }
    }

    private static double metric(Tracker t, String kind, String outcome) {
        var c = t.registry().find("tracker.consumed").tags("kind", kind, "outcome", outcome).counter();
        return c == null ? 0 : c.count();
    }

    private static ObjectNode kafkaConsumer(ArrayNode consumers, String topic, String kind, String group) {
        ObjectNode k = consumers.addObject().put("type", "kafka").put("kind", kind).put("groupId", group)
                .put("sessionTimeoutMillis", 6_000);
        k.putArray("bootstrapServers").add(KAFKA);
        k.putArray("topics").add(topic);
        return k;
    }

    @Test
    void everyKindOfRecordBecomesItsRowAndBadRecordsAreCounted() throws Exception {
        createTopic(base + ".count", 2);
        createTopic(base + ".update", 1);
        createTopic(base + ".log", 1);
        createTopic(base + ".event", 3);
        tracker = TestTrackers.start(dataDir, c -> {
            ArrayNode consumers = c.putArray("consumers");
            for (String kind : List.of("count", "update", "log", "event")) {
                kafkaConsumer(consumers, base + "." + kind, kind, base + "-" + kind);
            }
            ((ObjectNode) c.get("privacy")).put("ipMode", "truncate");
        });
        List<String> counts = new ArrayList<>(Collections.nCopies(30, "{}"));
        counts.add("{\"id\":\"plan_pro\",\"total\":5}");
        produce(base + ".count", counts);
        produce(base + ".update", List.of("{\"id\":\"banner\",\"msg\":\"old\",\"updated\":1700000000000}",
                "{\"id\":\"banner\",\"msg\":\"new\",\"updated\":1700000001000}", "{\"msg\":\"no id\"}"));
        produce(base + ".log", List.of("{\"topic\":\"checkout\",\"name\":\"api\",\"level\":3,\"msg\":\"payment failed\","
                + "\"ip\":\"203.0.113.77\",\"ltimenss\":1700000000123456789,\"params\":{\"code\":402}}", "not json"));
        UUID vid = UUID.randomUUID();
        List<String> events = new ArrayList<>();
        Set<UUID> eids = new HashSet<>();
        for (int i = 0; i < 20; i++) {
            UUID eid = UUID.randomUUID();
            eids.add(eid);
            events.add("{\"eid\":\"" + eid + "\",\"ename\":\"imported\",\"created_at\":\"2025-11-30T10:00:0" + (i % 10)
                    + "Z\",\"vid\":\"" + vid + "\",\"ip\":\"198.51.100.23\",\"params\":{\"n\":" + i + "}}");
        }
        events.add("{\"ename\":\"no_eid\",\"created_at\":1764496800000,\"ip\":\"198.51.100.23:443\","
                + "\"params\":{\"em\":\"raw@example.com\"}}");
        events.add("{\"eid\":\"" + UUID.randomUUID() + "\",\"created_at\":1764496800000}"); // no ename
        events.add("{\"ename\":\"bad_vid\",\"vid\":\"not-a-uuid\"}");
        produce(base + ".event", events);
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (metric(tracker, "count", "queued") < 31 || metric(tracker, "update", "queued") < 2
                || metric(tracker, "update", "invalid") < 1 || metric(tracker, "log", "queued") < 1
                || metric(tracker, "log", "invalid") < 1 || metric(tracker, "event", "queued") < 21
                || metric(tracker, "event", "invalid") < 2) {
            assertTrue(System.nanoTime() < end, "records not consumed in time");
            Thread.sleep(50);
        }
        assertEquals(1.0, tracker.registry().find("tracker.consumer.up").tags("kind", "event").gauge().value());
        tracker.stop();
        tracker = null;
        for (String kind : List.of("count", "update", "log", "event")) {
            assertTrue(caughtUp(base + "-" + kind, base + "." + kind), kind + ": a graceful stop leaves every offset committed");
        }
        List<Map<String, Object>> c = TestTrackers.query(dataDir, "SELECT id, sum(total) AS t FROM counts GROUP BY id ORDER BY id");
        assertEquals(2, c.size(), c.toString());
        assertEquals(base + ".count", c.get(0).get("id"), "no id: the topic is the counter");
        assertEquals(30L, ((Number) c.get(0).get("t")).longValue());
        assertEquals(5L, ((Number) c.get(1).get("t")).longValue());
        assertEquals(List.of("new", "old"), TestTrackers.query(dataDir,
                "SELECT msg FROM updates WHERE id = 'banner' ORDER BY updated_at DESC").stream().map(r -> r.get("msg")).toList());
        List<Map<String, Object>> logs = TestTrackers.query(dataDir, "SELECT topic, ip, params->>'code' AS code FROM logs");
        assertEquals(1, logs.size());
        assertEquals("203.0.113.0", logs.get(0).get("ip"), "log IPs are anonymized like every other");
        assertEquals("402", logs.get(0).get("code"));
        List<Map<String, Object>> stored = TestTrackers.query(dataDir,
                "SELECT eid::VARCHAR AS eid, ename, vid::VARCHAR AS vid, epoch_ms(created_at) AS at, params->>'n' AS n, ip"
                        + " FROM events");
        assertEquals(21, stored.size(), stored.toString());
        Set<UUID> imported = new HashSet<>();
        for (Map<String, Object> r : stored) {
            if (r.get("ename").equals("imported")) {
                imported.add(UUID.fromString((String) r.get("eid")));
                assertEquals(vid.toString(), r.get("vid"));
                int n = Integer.parseInt((String) r.get("n"));
                assertEquals(java.time.Instant.parse("2025-11-30T10:00:0" + (n % 10) + "Z").toEpochMilli(),
                        ((Number) r.get("at")).longValue(), "the record's own created_at, not its Kafka time: " + r);
                assertEquals("198.51.100.0", r.get("ip"), "a raw IP is stored only as privacy.ipMode allows");
            } else {
                assertEquals("no_eid", r.get("ename"), "an event without its own eid gets one from its place in the topic");
                assertEquals(null, r.get("ip"), "not an IP literal: dropped, never stored raw");
                assertEquals(1764496800000L, ((Number) r.get("at")).longValue());
            }
        }
        assertEquals(eids, imported, "events keep their own ids");
        assertEquals(0L, TestTrackers.count(dataDir, "SELECT count(*) FROM events WHERE params::VARCHAR LIKE '%example.com%'"),
                "a raw email in a consumed event's params is not stored");
    }

    @Test
    void aBrokerKilledUnderLoadLosesNothingAndStoresNothingTwice() throws Exception {
        String prefix = base + ".";
        tracker = TestTrackers.start(dataDir, c -> {
            ArrayNode sessions = c.putArray("sessions");
            sessions.addObject().put("type", "duckdb").put("name", "duckdb")
                    .putObject("settings").put("path", "tracker.duckdb").put("memoryLimit", "64MB").put("threads", 1);
            ObjectNode k = sessions.addObject().put("type", "kafka").put("name", "kafka").putObject("settings")
                    .put("topicPrefix", prefix).put("deliveryTimeoutMillis", 4_000).put("requestTimeoutMillis", 2_000);
            k.putArray("bootstrapServers").add(KAFKA);
            // The first failure waits out a delivery timeout (4 s) and each later one a 1.5 s probe: two failures open
            // the breaker well within the 10 s outage, so the spool is reached even on a loaded box.
            ((ObjectNode) c.get("batching")).put("breakerOpenMillis", 500).put("retryMaxMillis", 1_000)
                    .put("breakerFailures", 2);
        });
        // SIGKILL: requests in flight die unanswered, some already appended; restart keeps the log directory and
        // waits until the broker answers.
        OutageUnderLoad.Result load = OutageUnderLoad.run(tracker, "kafka", () -> Backends.script("kafka.sh", "kill"),
                () -> Backends.script("kafka.sh", "restart"));
        Set<UUID> acked = load.acked();
        long spoolMax = load.spoolMax();
        tracker.stop();
        tracker = null;
        assertTrue(spoolMax > 0, "the outage went to the Kafka session's spool");
        assertTrue(acked.size() > 1_000, "acknowledged " + acked.size());
        List<UUID> duck = new ArrayList<>();
        for (Map<String, Object> r : TestTrackers.query(dataDir, "SELECT eid::VARCHAR AS eid FROM events")) {
            duck.add(UUID.fromString((String) r.get("eid")));
        }
        assertEquals(acked.size(), duck.size());
        assertEquals(acked, new HashSet<>(duck), "DuckDB never stopped: it holds everything");
        List<UUID> kafka = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : KafkaTopics.records(prefix + "events")) {
            kafka.add(UUID.fromString(new String(r.key(), StandardCharsets.US_ASCII)));
        }
        assertEquals(acked, new HashSet<>(kafka), "Kafka got every acknowledged event after it came back");
        assertEquals(acked.size(), kafka.size(), "and none twice");
    }

    @Test
    void aConsumerKilledMidStreamLosesNothingAndStoresNothingTwice() throws Exception {
        String topic = base + ".count";
        String group = base + "-crash";
        createTopic(topic, 3);
        ObjectNode cfg = (ObjectNode) JSON.readTree(Files.readString(Path.of("..", "config.json")));
        kafkaConsumer(cfg.putArray("consumers"), topic, "count", group);
        Path config = dataDir.resolve("kafka-consumer.json");
        Files.writeString(config, JSON.writeValueAsString(cfg));
        Path data = dataDir.resolve("data");
        Path log = dataDir.resolve("tracker.log");
        int port = ChildTracker.freePort();
        int total = 100_000;
        List<String> values = new ArrayList<>(total);
        for (int i = 0; i < total; i++) {
            values.add("{\"id\":\"c" + (i % 7) + "\"}");
        }
        produce(topic, values); // a backlog, so the consumer is busy (between storing and committing) when killed
        Process first = ChildTracker.start(port, data, log, Map.of(), config, "--durability", "wal");
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        long before;
        while ((before = committed(group)) < total / 5) {
            assertTrue(System.nanoTime() < end, "the consumer is stuck; log:\n" + ChildTracker.read(log));
            Thread.sleep(5);
        }
        first.destroyForcibly().waitFor(30, TimeUnit.SECONDS); // SIGKILL: no drain, no last commit
        assertTrue(before < total, "killed mid-stream (" + before + " committed)");
        Process second = ChildTracker.start(port, data, log, Map.of(), config, "--durability", "wal");
        try {
            end = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (!caughtUp(group, topic)) {
                assertTrue(System.nanoTime() < end, "the restarted consumer did not catch up; log:\n" + ChildTracker.read(log));
                Thread.sleep(200);
            }
        } finally {
            second.destroy(); // SIGTERM: graceful
            assertTrue(second.waitFor(60, TimeUnit.SECONDS));
        }
        assertEquals(total, TestTrackers.count(data, "SELECT count(*) FROM counts"),
                "one row per record, none lost, none twice; log:\n" + ChildTracker.read(log));
        assertEquals(total, TestTrackers.count(data, "SELECT sum(total) FROM counts"));
        assertEquals(total, TestTrackers.count(data, "SELECT count(DISTINCT eid) FROM counts"));
    }
}
