package io.tracker.backends.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tracker.backends.SessionContract;
import io.tracker.core.model.Column;
import io.tracker.core.model.ColumnType;
import io.tracker.core.model.Row;
import io.tracker.core.model.RowBuilder;
import io.tracker.core.model.Table;
import io.tracker.core.model.Tables;
import io.tracker.core.session.Session;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The shared session kit against the real Kafka 4 broker of {@code scripts/kafka.sh}; topics of their own per test. */
class KafkaSessionContractTest extends SessionContract {
    static final String SERVERS = KafkaTopics.SERVERS;
    private static final ObjectMapper JSON = new ObjectMapper();
    private String prefix;

    static KafkaSettings settings(String prefix, int dedupEntries) {
        KafkaSettings d = KafkaSettings.standard();
        return new KafkaSettings(List.of(SERVERS), prefix, 3, 1, 1, "lz4", d.deliveryTimeoutMillis(),
                d.requestTimeoutMillis(), d.lingerMillis(), d.batchBytes(), dedupEntries, d.dedupReadSeconds(),
                "PLAINTEXT", d.saslMechanism(), "", "");
    }

    @BeforeEach
    void topics() {
        prefix = "contract_" + UUID.randomUUID().toString().substring(0, 8) + ".";
    }

    @AfterEach
    void drop() throws Exception {
        KafkaTopics.deleteTopics(prefix);
    }

    @Override
    protected Session newSession() {
        return new KafkaSession("kafka", settings(prefix, 100_000));
    }

    /** The server's message.max.bytes and the producer's max.request.size (1 MiB): a larger record is refused. */
    @Override
    protected Row poisonRow(UUID eid) {
        return new RowBuilder(Tables.EVENTS).eid(eid).set("ename", "poison").set("created_at", 1_700_000_000_000L)
                .set("params", "{\"blob\":\"" + "x".repeat(2 << 20) + "\"}").build();
    }

    @Override
    protected List<UUID> storedEids() {
        List<UUID> out = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : KafkaTopics.records(prefix + "events")) {
            UUID key = UUID.fromString(new String(r.key(), StandardCharsets.US_ASCII));
            UUID eid;
            try {
                eid = UUID.fromString(JSON.readTree(r.value()).get("eid").asText());
            } catch (java.io.IOException e) {
                throw new AssertionError(e);
            }
            assertEquals(eid, key, "the record's key is its row's event id");
            out.add(eid);
        }
        return out;
    }

    @Override
    protected List<Map<String, Object>> readBack(Table table) throws Exception {
        List<Map<String, Object>> out = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : KafkaTopics.records(prefix + table.name())) {
            JsonNode n = JSON.readTree(r.value());
            Map<String, Object> row = new LinkedHashMap<>();
            for (Column c : table.columns()) {
                JsonNode v = n.get(c.name());
                if (v != null) {
                    row.put(c.name(), c.type() == ColumnType.UUID ? UUID.fromString(v.asText()) : v.asText());
                }
            }
            out.add(row);
        }
        return out;
    }

    /**
     * A replay after a crash: a new session (a new process) remembers the ids the previous one delivered, read back from
     * the topic's tail, and sends none of them again; with the memory off it is at-least-once, as documented.
     */
    @Test
    void aReplayAfterARestartIsSkippedFromTheTopicsTail() throws Exception {
        List<Row> first = new ArrayList<>();
        for (int i = 0; i < 1_000; i++) {
            first.add(event(UUID.randomUUID(), "e", 1_700_000_000_000L + i));
        }
        Session a = newSession();
        a.open(Tables.ALL);
        a.write(Tables.EVENTS, first);
        a.close();
        Session b = newSession();
        b.open(Tables.ALL);
        List<Row> replay = new ArrayList<>(first.subList(200, 1_000));
        List<Row> fresh = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            fresh.add(event(UUID.randomUUID(), "new", 1_700_000_100_000L + i));
        }
        replay.addAll(fresh);
        b.write(Tables.EVENTS, replay, true);
        b.close();
        List<UUID> stored = storedEids();
        assertEquals(1_050, stored.size(), "the replay sent only the 50 new rows");
        assertEquals(1_050, new HashSet<>(stored).size());

        Session c = new KafkaSession("kafka", settings(prefix, 0));
        c.open(Tables.ALL);
        c.write(Tables.EVENTS, fresh.subList(0, 10), true);
        c.close();
        assertEquals(1_060, storedEids().size(), "without the memory a replay is delivered again (at-least-once)");
    }

    /** tracker replay's source: the events of a time range, read back as rows, newest records excluded. */
    @Test
    void replaysTheEventsOfARange() throws Exception {
        Session s = newSession();
        s.open(Tables.ALL);
        long t0 = System.currentTimeMillis() - 60_000;
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            rows.add(event(UUID.randomUUID(), i % 3 == 0 ? "buy" : "view", t0 + i * 100L));
        }
        s.write(Tables.EVENTS, rows);
        List<Row> got = new ArrayList<>();
        assertTrue(s.replayEvents(Instant.ofEpochMilli(t0 + 10_000), Instant.ofEpochMilli(t0 + 20_000), List.of("buy"), 7,
                got::addAll));
        s.close();
        Set<UUID> expected = new HashSet<>();
        for (Row r : rows) {
            long at = (Long) r.get("created_at");
            if (at >= t0 + 10_000 && at < t0 + 20_000 && r.get("ename").equals("buy")) {
                expected.add(r.eid());
            }
        }
        Set<UUID> eids = new HashSet<>();
        got.forEach(r -> eids.add(r.eid()));
        assertEquals(expected, eids);
        assertEquals(expected.size(), got.size());
    }
}
