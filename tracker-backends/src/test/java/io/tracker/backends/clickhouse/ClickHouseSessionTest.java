package io.tracker.backends.clickhouse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tracker.core.config.ConfigException;
import io.tracker.core.config.SessionConfig;
import io.tracker.core.model.Row;
import io.tracker.core.model.RowBuilder;
import io.tracker.core.model.Tables;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The ClickHouse session against the real server that {@code scripts/clickhouse.sh start} runs (make test
 * starts it; {@code TRACKER_TEST_CLICKHOUSE_URL} points elsewhere). Each test uses its own database.
 */
class ClickHouseSessionTest {
    static final String URL = System.getenv().getOrDefault("TRACKER_TEST_CLICKHOUSE_URL", "http://127.0.0.1:8123");

    private String database;
    private ClickHouseSession session;

    static ClickHouseSession session(String database) {
        ObjectNode settings = JsonNodeFactory.instance.objectNode().put("url", URL).put("database", database);
        return (ClickHouseSession) new ClickHouseSessionProvider()
                .create(new SessionConfig("clickhouse", "clickhouse", settings), "sessions[0]", Path.of("."));
    }

    @BeforeEach
    void open() throws Exception {
        database = "test_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        session = session(database);
        session.open(Tables.ALL);
    }

    @AfterEach
    void drop() throws Exception {
        session.query("DROP DATABASE IF EXISTS " + database);
        session.close();
    }

    private static Row event(UUID eid, String ename, long createdAt) {
        return new RowBuilder(Tables.EVENTS).eid(eid)
                .set("vid", UUID.nameUUIDFromBytes(ename.getBytes()))
                .set("ename", ename)
                .set("org", "Acme")
                .set("cflags", 1024L)
                .set("ver", 7)
                .set("score", 0.5)
                .set("created_at", createdAt)
                .set("params", "{\"plan\":\"pro\",\"seats\":3}")
                .build();
    }

    private long count(String where) throws Exception {
        return Long.parseLong(session.query("SELECT count() FROM " + database + ".events " + where).trim());
    }

    @Test
    void createsEveryTableIdempotently() throws Exception {
        String tables = session.query("SELECT name FROM system.tables WHERE database = '" + database + "' ORDER BY name");
        for (String t : List.of("events", "visitors", "sessions", "hits", "ips", "dailies", "counters", "outcomes",
                "referrers", "browsers", "reqs", "hosts", "payments", "ltv", "redirects", "redirect_history",
                "agreements", "agreed", "logs")) {
            assertTrue(tables.contains(t + "\n"), t + " missing from " + tables);
        }
        ClickHouseSession again = session(database);
        again.open(Tables.ALL); // the schema applies twice without error
        again.close();
    }

    @Test
    void writesEveryTypeAndReadsItBackExactly() throws Exception {
        UUID eid = UUID.randomUUID();
        session.write(Tables.EVENTS, List.of(event(eid, "signup", 1_700_000_000_123L)));
        String row = session.query("SELECT toString(eid), ename, org, cflags, ver, score, toUnixTimestamp(created_at), "
                + "visitParamExtractString(params, 'plan'), visitParamExtractUInt(params, 'seats'), toString(uid), url "
                + "FROM " + database + ".events").replaceAll("\n$", "");
        assertEquals(String.join("\t", eid.toString(), "signup", "Acme", "1024", "7", "0.5", "1700000000", "pro", "3",
                "00000000-0000-0000-0000-000000000000", ""), row);
    }

    @Test
    void pruningDropsWholeMonthsAsPartitionsAndMutatesOnlyTheCutoffsMonth() throws Exception {
        long day = 86_400_000L;
        java.time.ZonedDateTime cutoff = java.time.ZonedDateTime.of(2025, 6, 10, 0, 0, 0, 0, java.time.ZoneOffset.UTC);
        long c = cutoff.toInstant().toEpochMilli();
        // 2025-01, -02 and -03 wholly before; -05 too but its neighbour month is kept as a partition (zones); -06 split
        long[] times = {c - 150 * day, c - 120 * day, c - 90 * day, c - 30 * day, c - 2 * day, c + day, c + 2 * day};
        List<Row> rows = new java.util.ArrayList<>();
        for (long t : times) {
            rows.add(event(UUID.randomUUID(), "prune", t));
        }
        session.write(Tables.EVENTS, rows);
        long partitionsBefore = Long.parseLong(session.query("SELECT uniqExact(partition) FROM system.parts WHERE database = '"
                + database + "' AND table = 'events' AND active").trim());
        assertEquals(5, partitionsBefore);
        assertEquals(5, session.reader().orElseThrow().deleteBefore(Tables.EVENTS, "created_at", cutoff.toInstant()));
        assertEquals(2, count("WHERE ename = 'prune'"));
        assertEquals(0, count("WHERE created_at < toDateTime(" + c / 1000 + ")"));
        String left = session.query("SELECT DISTINCT partition FROM system.parts WHERE database = '" + database
                + "' AND table = 'events' AND active ORDER BY partition").trim();
        assertTrue(left.endsWith("202506") && !left.matches("(?s).*20250[1-3].*"), "the months before 2025-05 went as "
                + "partitions, not as mutations (which leave their emptied parts): " + left);
    }

    @Test
    void quorumPartsMutationBlocksAndDataVersionsAreReadFromZooKeeperAndPartNames() {
        assertEquals(java.util.Map.of("202612", "202612_5_5_0", "all", "all_3_3_0"),
                ClickHouseMutations.lastQuorumParts("version: 2\nparts count: 2\n202612\t202612_5_5_0\nall\tall_3_3_0\n"));
        assertTrue(ClickHouseMutations.lastQuorumParts("202612_5_5_0").isEmpty(), "an unknown format fences nothing");
        assertEquals(5, ClickHouseMutations.dataVersion("202612", "202612_5_5_0"));
        assertEquals(9, ClickHouseMutations.dataVersion("202612", "202612_0_4_1_9"));
        assertEquals(Long.MAX_VALUE, ClickHouseMutations.dataVersion("202611", "202612_5_5_0"));
        assertEquals(Long.MAX_VALUE, ClickHouseMutations.dataVersion("202612", "202612_x_5_0"));
        assertEquals(java.util.Map.of("202612", 4L, "202611", 9L), ClickHouseMutations.mutationBlocks("format version: 1\n"
                + "create time: 2026-12-01 18:20:03\nsource replica: r1\nblock numbers count: 2\n202612\t4\n202611\t9\n"
                + "commands: DELETE WHERE id = 5\n"));
        assertTrue(ClickHouseMutations.mutationBlocks("block numbers count: x\n").isEmpty());
    }

    @Test
    void refusesToOpenWhenTheServerIsUnreachable() {
        ObjectNode settings = JsonNodeFactory.instance.objectNode().put("url", "http://127.0.0.1:1").put("database", database)
                .put("connectTimeoutMillis", 500);
        ClickHouseSession dead = (ClickHouseSession) new ClickHouseSessionProvider()
                .create(new SessionConfig("clickhouse", "dead", settings), "sessions[0]", Path.of("."));
        assertThrows(io.tracker.core.session.SessionException.class, () -> dead.open(Tables.ALL));
    }

    @Test
    void settingsAreValidatedWithTheirKey() {
        ObjectNode bad = JsonNodeFactory.instance.objectNode().put("url", "http://user:secret@host:8123").put("database", "x-y");
        ConfigException e = assertThrows(ConfigException.class, () -> new ClickHouseSessionProvider()
                .create(new SessionConfig("clickhouse", "c", bad), "sessions[1]", Path.of(".")));
        assertTrue(e.getMessage().contains("sessions[1].settings.url: must not carry credentials"), e.getMessage());
        assertTrue(e.getMessage().contains("sessions[1].settings.database"), e.getMessage());
    }
}
