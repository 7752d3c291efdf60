package io.tracker.backends;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tracker.core.model.Column;
import io.tracker.core.model.ColumnType;
import io.tracker.core.model.Row;
import io.tracker.core.model.RowBuilder;
import io.tracker.core.model.Table;
import io.tracker.core.model.Tables;
import io.tracker.core.session.Session;
import io.tracker.core.session.SessionException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * What every session must do, against its real store (the Micrometer habit: one compatibility kit that every
 * implementation extends). Subclasses give a fresh, opened session over an empty store and a way to read back.
 */
public abstract class SessionContract {

    /** A new session over the same (initially empty) store, not yet opened. */
    protected abstract Session newSession() throws Exception;

    /** The event ids stored in {@code events}, one entry per stored row (a list, so duplicates show). */
    protected abstract List<UUID> storedEids() throws Exception;

    /**
     * A row that fits its table's definition but that this backend itself refuses (each store has its own limits: a
     * sum beyond a DECIMAL's precision, a timestamp out of range, a message over the size limit…). An {@code events}
     * row lands in the middle of a batch of good events (the batch is bisected); a row of another table shows that its
     * refusal holds back no other table.
     */
    protected abstract Row poisonRow(UUID eid);

    /** An LTV increment beyond DECIMAL(18,4): the one-request outage. */
    protected static Row overflowingLtv(UUID eid, String paid) {
        return new RowBuilder(Tables.LTV).eid(eid).set("id", UUID.randomUUID()).set("id_type", "uid")
                .set("paid", new java.math.BigDecimal(paid)).set("created_at", 1_700_000_000_000L)
                .set("updated_at", 1_700_000_000_000L).build();
    }

    @Test
    void aPoisonRowIsDeadLetteredAndEveryOtherRowStoredThroughTheBatchManager(@org.junit.jupiter.api.io.TempDir
                                                                               java.nio.file.Path dataDir)
            throws Exception {
        io.tracker.core.config.TableBatchConfig t = new io.tracker.core.config.TableBatchConfig("hybrid", 500,
                64L << 20, 10, 1, 1, 2, "memory");
        io.tracker.core.config.BatchConfig c = new io.tracker.core.config.BatchConfig(256L << 20, 1L << 30, 1L << 20,
                1, 1, 10, 200, 5, 1_000, 3, t, java.util.Map.of("events", t));
        io.tracker.core.batch.BatchManager m = new io.tracker.core.batch.BatchManager(List.of(newSession()), Tables.ALL,
                c, dataDir, new io.micrometer.core.instrument.simple.SimpleMeterRegistry());
        m.start();
        m.awaitOpen(java.time.Duration.ofSeconds(120));
        List<Row> good = events(299, 1_700_000_000_000L);
        List<Row> sent = new ArrayList<>(good);
        UUID bad = UUID.randomUUID();
        sent.add(57, poisonRow(bad));
        m.enqueue(sent);
        List<Row> later = events(20, 1_700_000_100_000L);
        m.enqueue(later);
        m.close(java.time.Duration.ofSeconds(60));
        Set<UUID> expected = eids(good);
        expected.addAll(eids(later));
        List<UUID> stored = storedEids();
        Set<UUID> missing = new HashSet<>(expected);
        missing.removeAll(stored);
        assertEquals(Set.of(), missing, "every good row stored");
        assertTrue(!stored.contains(bad), "the poison row is not stored");
        assertEquals(expected.size(), stored.size(), "none twice");
        List<String> dead = java.nio.file.Files.readAllLines(dataDir.resolve("deadletter").resolve(
                m.sessions().get(0).name() + ".jsonl"));
        assertEquals(1, dead.size(), String.join("\n", dead));
        assertTrue(dead.get(0).contains(bad.toString()), dead.get(0));
        assertEquals(0, m.status().get(0).rowsLost());
    }

    /**
     * For sessions that {@link Session#keepsRollups()}: each rollup's rows and what a GROUP BY over {@code events}
     * says they must be, as two texts of the same shape (key columns, events, visitors; sorted), read from the store
     * after the session is closed.
     */
    protected List<String[]> rollupsAndTruth() throws Exception {
        throw new UnsupportedOperationException("this session keeps no rollups");
    }

    /**
     * Rollups kept as data arrives equal a GROUP BY over events after mixed batches over three months, with visitors
     * seen again in later batches, bots, absent dimensions and a replay (nothing counted twice); a rebuild of the
     * same range reproduces them. A session without rollups says so.
     */
    @Test
    void rollupsEqualGroupByOverEventsAndARebuildReproducesThem() throws Exception {
        Session s = newSession();
        s.open(Tables.ALL);
        if (!s.keepsRollups()) {
            assertThrows(SessionException.class, () -> s.rebuildRollups(java.time.LocalDate.of(2026, 1, 1),
                    java.time.LocalDate.of(2026, 2, 1)));
            s.close();
            return;
        }
        java.util.Random random = new java.util.Random(42);
        List<UUID> visitors = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            visitors.add(UUID.randomUUID());
        }
        UUID oid = UUID.randomUUID();
        String[] channels = {"Direct", "Organic Search", "Paid Search", null};
        String[] countries = {"DE", "US", null};
        String[] devices = {"desktop", "phone", null};
        long jan = java.time.Instant.parse("2026-01-30T22:00:00Z").toEpochMilli();
        List<Row> last = null;
        for (int batch = 0; batch < 12; batch++) {
            List<Row> rows = new ArrayList<>();
            for (int i = 0; i < 150; i++) {
                long at = jan + batch * 5L * 86_400_000L + random.nextInt(30) * 3_600_000L + i; // Jan 30 .. Mar
                RowBuilder b = new RowBuilder(Tables.EVENTS).eid(UUID.randomUUID()).set("created_at", at)
                        .set("ename", random.nextInt(4) == 0 ? "signup" : "pv")
                        .set("vid", random.nextInt(10) == 0 ? null : visitors.get(random.nextInt(visitors.size())))
                        .set("oid", random.nextBoolean() ? oid : null)
                        .set("source", random.nextBoolean() ? "google" : null).set("medium", random.nextBoolean() ? "cpc" : null)
                        .set("channel", channels[random.nextInt(channels.length)])
                        .set("country", countries[random.nextInt(countries.length)])
                        .set("device", devices[random.nextInt(devices.length)])
                        .set("is_bot", random.nextInt(5) == 0 ? Boolean.TRUE : random.nextInt(3) == 0 ? null : Boolean.FALSE);
                rows.add(b.build());
            }
            s.write(Tables.EVENTS, rows);
            last = rows;
        }
        List<Row> replay = new ArrayList<>(last.subList(0, 100)); // a replay: 100 stored rows and 20 new ones
        for (int i = 0; i < 20; i++) {
            replay.add(new RowBuilder(Tables.EVENTS).eid(UUID.randomUUID()).set("created_at", jan + i)
                    .set("ename", "pv").set("vid", visitors.get(i)).build());
        }
        s.write(Tables.EVENTS, replay, true);
        s.close();
        List<String[]> kept = rollupsAndTruth();
        for (String[] pair : kept) {
            assertTrue(pair[1].lines().count() > 5, "a rollup of some size: " + pair[1]);
            assertEquals(pair[1], pair[0], "rollup == GROUP BY over events");
        }
        damageRollups(); // so that a rebuild that does nothing cannot pass
        assertTrue(!rollupsAndTruth().get(1)[0].equals(kept.get(1)[1]), "damaged");
        Session again = newSession();
        again.open(Tables.ALL);
        java.util.Map<String, Long> written = again.rebuildRollups(java.time.LocalDate.of(2026, 1, 15),
                java.time.LocalDate.of(2026, 3, 2)); // widened to January .. March
        again.close();
        assertTrue(written.keySet().containsAll(List.of("hourly_event_stats", "daily_kpis", "monthly_kpis")),
                written.toString());
        List<String[]> rebuilt = rollupsAndTruth();
        for (int i = 0; i < kept.size(); i++) {
            assertEquals(kept.get(i)[1], rebuilt.get(i)[0], "a rebuild reproduces the GROUP BY over events");
        }
    }

    /** Deletes or alters rollup rows behind the session's back (for sessions that keep rollups). */
    protected void damageRollups() throws Exception {
        throw new UnsupportedOperationException("this session keeps no rollups");
    }

    protected static Row event(UUID eid, String ename, long createdAt) {
        return new RowBuilder(Tables.EVENTS).eid(eid).set("vid", UUID.randomUUID()).set("ename", ename)
                .set("cflags", 1024L).set("ver", 7).set("score", 0.5).set("created_at", createdAt)
                .set("params", "{\"plan\":\"pro\"}").build();
    }

    private static List<Row> events(int n, long firstCreatedAt) {
        List<Row> rows = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            rows.add(event(UUID.randomUUID(), "e", firstCreatedAt + i));
        }
        return rows;
    }

    private static Set<UUID> eids(List<Row> rows) {
        Set<UUID> out = new HashSet<>();
        rows.forEach(r -> out.add(r.eid()));
        return out;
    }

    @Test
    void answersItsProbeOnlyWhileItCanReachTheBackend() throws Exception {
        // The probe is what tells a poison batch from an outage: it must really go to the backend.
        Session s = newSession();
        assertTrue(!s.probe(), "not open: no probe answer");
        s.open(Tables.ALL);
        assertTrue(s.probe(), "open and reachable");
        s.close();
        assertTrue(!s.probe(), "closed");
    }

    @Test
    void storesBatchesOfOneToManyExactlyOnce() throws Exception {
        Session s = newSession();
        s.open(Tables.ALL);
        List<Row> all = new ArrayList<>();
        long t = 1_700_000_000_000L;
        for (int size : new int[] {1, 2, 17, 5_000}) {
            List<Row> batch = events(size, t);
            t += size;
            s.write(Tables.EVENTS, batch);
            all.addAll(batch);
        }
        s.close();
        List<UUID> stored = storedEids();
        assertEquals(all.size(), stored.size());
        assertEquals(eids(all), new HashSet<>(stored));
    }

    @Test
    void replaysAreIdempotent() throws Exception {
        Session s = newSession();
        s.open(Tables.ALL);
        List<Row> first = events(2_000, 1_700_000_000_000L);
        s.write(Tables.EVENTS, first);
        List<Row> replay = new ArrayList<>(first.subList(500, 2_000));
        replay.addAll(events(300, 1_700_000_002_000L));
        s.write(Tables.EVENTS, replay, true);
        s.write(Tables.EVENTS, replay, true);
        s.close();
        List<UUID> stored = storedEids();
        assertEquals(2_300, stored.size(), "no row stored twice");
        assertEquals(2_300, new HashSet<>(stored).size());
    }

    @Test
    void rejectsWronglyTypedDataAsRejectedNotAsAnOutage() throws Exception {
        List<Column> columns = new ArrayList<>(Tables.EVENTS.columns());
        // A value the store cannot take for the column: text where it keeps a UUID.
        columns.set(Tables.EVENTS.indexOf("vid"), Column.of("vid", ColumnType.STRING));
        Table lying = new Table("events", columns);
        Session s = newSession();
        s.open(Tables.ALL);
        List<Row> rows = List.of(new RowBuilder(lying).eid(UUID.randomUUID()).set("created_at", 1L)
                .set("vid", "not-a-uuid").build());
        SessionException e = assertThrows(SessionException.class, () -> s.write(lying, rows));
        assertTrue(e.isRejected(), "the batch manager must split and dead-letter, not retry forever: " + e.getMessage());
        s.write(Tables.EVENTS, List.of(event(UUID.randomUUID(), "ok", 1_700_000_000_000L)));
        s.close();
        assertEquals(1, storedEids().size(), "the rejected batch left nothing behind");
    }

    @Test
    void opensAgainOverAnExistingSchema() throws Exception {
        Session first = newSession();
        first.open(Tables.ALL);
        first.write(Tables.EVENTS, events(3, 1_700_000_000_000L));
        first.close();
        Session second = newSession();
        second.open(Tables.ALL);
        second.write(Tables.EVENTS, events(4, 1_700_000_001_000L));
        second.close();
        assertEquals(7, storedEids().size());
    }

    @Test
    void writesEveryTableAndReadsBackTypedValues() throws Exception {
        Session s = newSession();
        s.open(Tables.ALL);
        UUID vid = UUID.randomUUID();
        UUID uid = UUID.randomUUID();
        long t = 1_700_000_000_000L;
        String hostile = HOSTILE;
        for (Table table : Tables.ALL) {
            List<Row> rows = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                rows.add(sample(table, vid, uid, t + i * 1_000L, hostile + i, new java.math.BigDecimal("10.0" + i + "50")));
            }
            s.write(table, rows);
        }
        s.close();
        // Every table's rows came back, typed, and the hostile string intact.
        for (Table table : Tables.ALL) {
            List<java.util.Map<String, Object>> back = readBack(table);
            assertEquals(3, back.size(), table.name());
            for (java.util.Map<String, Object> r : back) {
                if (r.containsKey("vid")) {
                    assertEquals(vid, r.get("vid"), table.name());
                }
                for (Column c : table.columns()) {
                    Object got = r.get(c.name());
                    if (got instanceof List<?> || got instanceof Boolean) { // typed stores; streams give text
                        Object want = switch (c.type()) {
                            case STRINGS -> List.of("a", HOSTILE, "");
                            case UUIDS -> List.of(vid, uid);
                            default -> Boolean.TRUE;
                        };
                        assertEquals(want, got, table.name() + "." + c.name());
                    }
                }
            }
        }
        assertTrue(readBack(Tables.REDIRECTS).stream().anyMatch(r -> (hostile + "1").equals(r.get("urlfrom"))));
        s = newSession();
        s.open(Tables.ALL);
        java.util.Optional<io.tracker.core.session.SessionReader> maybeReader = s.reader();
        if (maybeReader.isEmpty()) {
            s.close();
            return; // a write-only session (NATS): nothing more to ask of it
        }
        var reader = maybeReader.get();
        for (Table table : Tables.ALL) {
            String key = table.hasColumn("vid") ? "vid" : table.hasColumn("id") ? "id" : null;
            if (key == null) {
                List<java.util.Map<String, Object>> all = reader.find(table, java.util.Map.of(), "created_at", 10);
                assertEquals(3, all.size(), table.name());
                continue;
            }
            Object keyValue = key.equals("vid") ? vid : table.columns().get(table.indexOf(key)).type() == ColumnType.STRING
                    ? uid.toString() : uid;
            List<java.util.Map<String, Object>> got = reader.find(table, java.util.Map.of(key, keyValue), "created_at", 10);
            assertEquals(3, got.size(), table.name());
            assertEquals(t + 2_000L, got.get(0).get("created_at"), table.name() + " newest first");
            assertEquals(keyValue, got.get(0).get(key));
        }
        // A string filter with every character that could break out of SQL or TSV is just a value.
        String url = hostile + "1";
        List<java.util.Map<String, Object>> links = reader.find(Tables.REDIRECTS, java.util.Map.of("urlfrom", url), null, 10);
        assertEquals(1, links.size());
        assertEquals(url, links.get(0).get("urlfrom"));
        assertEquals(0, reader.find(Tables.REDIRECTS, java.util.Map.of("urlfrom", "x' OR '1'='1"), null, 10).size());
        // Exact decimal sums: 10.0050 + 10.0150 + 10.0250
        assertEquals(new java.math.BigDecimal("30.0450"),
                reader.sum(Tables.LTV, "paid", java.util.Map.of("id_type", "uid", "id", uid)));
        assertEquals(new java.math.BigDecimal("0.0000"),
                reader.sum(Tables.LTV, "paid", java.util.Map.of("id_type", "uid", "id", UUID.randomUUID())));
        // Erasure by visitor, then pruning by time.
        assertEquals(3, reader.delete(Tables.AGREED, java.util.Map.of("vid", vid)));
        assertEquals(0, reader.find(Tables.AGREED, java.util.Map.of("vid", vid), null, 10).size());
        assertEquals(3, reader.find(Tables.AGREEMENTS, java.util.Map.of("vid", vid), null, 10).size(), "other tables untouched");
        assertEquals(2, reader.deleteBefore(Tables.AGREEMENTS, "created_at", java.time.Instant.ofEpochMilli(t + 2_000L)));
        assertEquals(1, reader.find(Tables.AGREEMENTS, java.util.Map.of("vid", vid), null, 10).size());
        s.close();
    }

    /**
     * The campaign / messaging tables (issue 18): full rows of every column type, lists with hostile elements among
     * them, come back value for value from a typed store; a replay of part of a batch (mayRepeat, as after a crash)
     * stores nothing twice.
     */
    @Test
    void messagingTablesKeepEveryValueAndAReplayStoresNothingTwice() throws Exception {
        Session s = newSession();
        s.open(Tables.ALL);
        java.util.Map<Table, List<Row>> written = new java.util.LinkedHashMap<>();
        for (Table table : Tables.MESSAGING) {
            List<Row> rows = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                rows.add(fullRow(table, i));
            }
            s.write(table, rows);
            List<Row> replay = new ArrayList<>(rows.subList(0, 3));
            replay.add(fullRow(table, 5));
            replay.add(fullRow(table, 6));
            s.write(table, replay, true);
            rows.add(replay.get(3));
            rows.add(replay.get(4));
            written.put(table, rows);
        }
        s.close();
        for (var e : written.entrySet()) {
            Table table = e.getKey();
            List<java.util.Map<String, Object>> back = readBack(table);
            assertEquals(7, back.size(), table.name() + ": 5 rows, then a replay of 3 of them with 2 new");
            java.util.Map<Object, java.util.Map<String, Object>> byEid = new java.util.HashMap<>();
            back.forEach(r -> byEid.put(r.get("eid"), r));
            for (Row want : e.getValue()) {
                java.util.Map<String, Object> got = byEid.get(want.eid());
                assertTrue(got != null, table.name() + ": " + want.eid() + " stored");
                if (!(got.get("cats") instanceof List<?>) && !(got.get("mtypes") instanceof List<?>)
                        && !(got.get("total_impressions") instanceof Long)) {
                    continue; // a stream session: its messages are checked as text by its own tests
                }
                for (Column c : table.columns()) {
                    assertEquals(want.get(table.indexOf(c.name())), got.get(c.name()), table.name() + "." + c.name());
                }
            }
        }
    }

    /** A row with every column set, distinct per {@code i}: times in whole seconds (ClickHouse 18.16 DateTime). */
    private static Row fullRow(Table table, int i) {
        RowBuilder b = new RowBuilder(table).eid(UUID.nameUUIDFromBytes((table.name() + i + RUN).getBytes(
                java.nio.charset.StandardCharsets.UTF_8)));
        for (Column c : table.columns()) {
            if (c.name().equals("eid")) {
                continue;
            }
            UUID u = UUID.nameUUIDFromBytes((c.name() + i).getBytes(java.nio.charset.StandardCharsets.UTF_8));
            b.set(c.name(), switch (c.type()) {
                case UUID -> u;
                case STRING -> i == 1 ? HOSTILE : c.name() + "-" + i;
                case INT32 -> i + 1;
                case INT64 -> 1_000L + i;
                case FLOAT64 -> 1.5 + i;
                case BOOLEAN -> i % 2 == 0;
                case TIMESTAMP -> 1_700_000_000_000L + i * 1_000L;
                case JSON -> "{\"n\":" + i + "}";
                case STRINGS -> i == 2 ? List.of() : List.of(c.name() + i, HOSTILE);
                case UUIDS -> List.of(u, UUID.nameUUIDFromBytes(c.name().getBytes(java.nio.charset.StandardCharsets.UTF_8)));
                case DECIMAL -> new java.math.BigDecimal("1.2345");
            });
        }
        return b.build();
    }

    private static final String RUN = UUID.randomUUID().toString();

    /**
     * All rows of {@code table}, read back from the store as column → typed value. By default through the session's
     * reader; a write-only session's test reads its store its own way.
     */
    protected List<java.util.Map<String, Object>> readBack(Table table) throws Exception {
        Session s = newSession();
        s.open(Tables.ALL);
        try {
            return s.reader().orElseThrow().find(table, java.util.Map.of(), null, 100_000);
        } finally {
            s.close();
        }
    }

    /** Every character that could break out of SQL, CQL, TSV or a list literal. */
    private static final String HOSTILE = "it's \"quoted\"\t\\ and\nmulti-line ' OR 1=1 --, [x], 'y'";

    /** A row for any table: ids, a string, money and times set wherever the table has such columns. */
    private static Row sample(Table table, UUID vid, UUID uid, long createdAt, String text, java.math.BigDecimal money) {
        RowBuilder b = new RowBuilder(table).eid(UUID.randomUUID());
        for (Column c : table.columns()) {
            String n = c.name();
            if (n.equals("eid")) {
                continue;
            }
            Object v = switch (n) {
                case "vid" -> vid;
                case "uid", "id" -> c.type() == ColumnType.STRING ? uid.toString() : uid;
                case "id_type" -> "uid";
                case "created_at", "updated_at" -> createdAt;
                case "urlfrom" -> text;
                case "tid", "mid" -> UUID.nameUUIDFromBytes((n + vid).getBytes(java.nio.charset.StandardCharsets.UTF_8));
                default -> switch (c.type()) {
                    case DECIMAL -> money;
                    case STRING -> "s";
                    case STRINGS -> List.of("a", HOSTILE, "");
                    case UUIDS -> List.of(vid, uid);
                    case BOOLEAN -> Boolean.TRUE;
                    case JSON -> "{\"k\":[1,\"x\"]}";
                    default -> null;
                };
            };
            b.set(n, v);
        }
        return b.build();
    }
}
