package io.tracker.core.batch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tracker.core.config.BatchConfig;
import io.tracker.core.config.TableBatchConfig;
import io.tracker.core.model.Row;
import io.tracker.core.model.RowBuilder;
import io.tracker.core.model.Tables;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The batch manager's delivery logic above the session SPI, with an in-memory fake session. */
class BatchManagerTest {
    @TempDir
    Path dataDir;

    private static BatchConfig config(int maxRows, long maxAgeMillis, String durability) {
        TableBatchConfig t = new TableBatchConfig("hybrid", maxRows, 16L << 20, maxAgeMillis, 1, 1, 2, durability);
        return new BatchConfig(64L << 20, 1L << 30, 1L << 20, 1, 2, 1, 5, 3, 200, 3, t, Map.of("events", t));
    }

    private BatchManager manager(BatchConfig c, FakeSession... sessions) throws Exception {
        BatchManager m = new BatchManager(List.of(sessions), Tables.ALL, c, dataDir, new SimpleMeterRegistry());
        m.start();
        return m;
    }

    private static List<Row> rows(int n) {
        List<Row> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(new RowBuilder(Tables.EVENTS).eid(UUID.randomUUID()).set("created_at", 0L).set("ename", "e" + i).build());
        }
        return out;
    }

    private static Set<UUID> eids(List<Row> rows) {
        Set<UUID> out = new HashSet<>();
        rows.forEach(r -> out.add(r.eid()));
        return out;
    }

    private static void await(BooleanSupplier cond) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (!cond.getAsBoolean()) {
            assertTrue(System.nanoTime() < end, "condition not met within 15 s");
            Thread.sleep(5);
        }
    }

    @Test
    void flushesFullBatchesBySizeAndThePartialOneAtClose() throws Exception {
        FakeSession s = new FakeSession();
        BatchManager m = manager(config(10, 3_600_000, "memory"), s);
        m.enqueue(rows(25));
        await(() -> s.rows() == 20);
        assertEquals(List.of(10, 10), s.batches.stream().map(List::size).toList());
        m.close(Duration.ofSeconds(5));
        assertEquals(25, s.rows());
        assertTrue(s.closed);
    }

    @Test
    void flushesAPartialBatchByAge() throws Exception {
        FakeSession s = new FakeSession();
        BatchManager m = manager(config(1000, 50, "memory"), s);
        m.enqueue(rows(3));
        await(() -> s.rows() == 3);
        assertEquals(1, s.batches.size());
        m.close(Duration.ofSeconds(5));
    }

    @Test
    void retriesTransientFailuresWithoutLosingOrDuplicatingRows() throws Exception {
        FakeSession s = new FakeSession();
        s.failuresLeft.set(2);
        BatchManager m = manager(config(5, 10, "memory"), s);
        List<Row> sent = rows(12);
        m.enqueue(sent);
        m.close(Duration.ofSeconds(10));
        assertEquals(12, s.rows());
        assertEquals(eids(sent), s.eids());
        assertTrue(s.repeatFlags.contains(true), "a retried batch is marked mayRepeat");
    }

    @Test
    void isolatesARejectedRowIntoTheDeadLetterFileAndStoresTheRest() throws Exception {
        FakeSession s = new FakeSession();
        List<Row> sent = rows(64);
        Row bad = sent.get(37);
        s.rejected.add(bad.eid());
        BatchManager m = manager(config(64, 10, "memory"), s);
        m.enqueue(sent);
        m.close(Duration.ofSeconds(10));
        Set<UUID> expected = eids(sent);
        expected.remove(bad.eid());
        assertEquals(expected, s.eids(), "every other row stored, exactly once");
        assertEquals(63, s.rows());
        List<String> dead = Files.readAllLines(dataDir.resolve("deadletter").resolve("fake.jsonl"));
        assertEquals(1, dead.size());
        assertTrue(dead.get(0).contains(bad.eid().toString()), dead.get(0));
        assertTrue(dead.get(0).contains("refused"), dead.get(0));
        assertEquals(1, m.status().get(0).deadLetters());
    }

    @Test
    void aRowFailingWithAnErrorNobodyRecognisesIsIsolatedWhileTheSessionAnswersItsProbe() throws Exception {
        // The one-request outage: a DuckDB error that was not classified as a data error retried the batch
        // until the breaker opened, spooled it, and every half-open trial replayed it first — nothing stored again.
        FakeSession s = new FakeSession();
        List<Row> sent = rows(64);
        Row bad = sent.get(11);
        s.poison.add(bad.eid());
        BatchManager m = manager(config(64, 10, "memory"), s);
        m.enqueue(sent);
        await(() -> s.rows() == 63);
        assertEquals("closed", m.status().get(0).breaker(), "a reachable session's breaker never opens for one row");
        assertTrue(m.isReady());
        List<Row> later = rows(10);
        m.enqueue(later);
        await(() -> s.rows() == 73);
        m.close(Duration.ofSeconds(10));
        Set<UUID> expected = eids(sent);
        expected.remove(bad.eid());
        expected.addAll(eids(later));
        assertEquals(expected, s.eids());
        assertEquals(73, s.rows(), "no row stored twice");
        List<String> dead = Files.readAllLines(dataDir.resolve("deadletter").resolve("fake.jsonl"));
        assertEquals(1, dead.size());
        assertTrue(dead.get(0).contains(bad.eid().toString()) && dead.get(0).contains("probe"), dead.get(0));
    }

    @Test
    void aBackendThatAnswersItsProbeButRefusesEveryWriteIsAnOutageNotAFloodOfDeadLetters() throws Exception {
        FakeSession s = new FakeSession();
        BatchManager m = manager(config(50, 5, "memory"), s);
        m.awaitOpen(Duration.ofSeconds(5));
        s.failsEverything = true;
        List<Row> sent = rows(100);
        m.enqueue(sent);
        await(() -> "open".equals(m.status().get(0).breaker()) && m.status().get(0).queuedRows() == 0);
        long dead = m.status().get(0).deadLetters();
        assertTrue(dead <= Delivery.MAX_UNEXPLAINED_IN_A_ROW, dead + " rows dead-lettered");
        s.failsEverything = false; // the backend recovers
        await(() -> s.rows() + m.status().get(0).deadLetters() == 100);
        m.close(Duration.ofSeconds(5));
        Set<UUID> stored = s.eids();
        assertEquals(s.rows(), stored.size(), "none twice");
        assertTrue(s.rows() >= 100 - Delivery.MAX_UNEXPLAINED_IN_A_ROW, s.rows() + " stored");
    }

    @Test
    void aPoisonRowAlreadyInTheSpoolNoLongerBlocksItsReplay() throws Exception {
        FakeSession s = new FakeSession();
        BatchManager m = manager(config(10, 5, "memory"), s);
        m.awaitOpen(Duration.ofSeconds(5));
        s.down = true;
        List<Row> sent = rows(30);
        Row bad = sent.get(4);
        s.poison.add(bad.eid());
        m.enqueue(sent);
        m.close(Duration.ofMillis(300)); // everything spooled, the poison row at the head

        FakeSession next = new FakeSession();
        next.poison.add(bad.eid());
        BatchManager m2 = manager(config(10, 5, "memory"), next);
        List<Row> later = rows(5);
        m2.enqueue(later);
        await(() -> next.rows() == 34);
        Set<UUID> expected = eids(sent);
        expected.remove(bad.eid());
        expected.addAll(eids(later));
        assertEquals(expected, next.eids());
        assertEquals(0, m2.status().get(0).spoolBytes());
        m2.close(Duration.ofSeconds(5));
        assertEquals(34, next.rows());
        assertEquals(1, Files.readAllLines(dataDir.resolve("deadletter").resolve("fake.jsonl")).size(),
                "dead-lettered once, not once per replay attempt");
    }

    @Test
    void aWriterWhosePassFailsKeepsItsRowsReportsItAndGoesOn() throws Exception {
        // The dead-letter file cannot be written (its directory is a file: EACCES, ENOSPC and EMFILE look alike to
        // the writer): the pass fails, the batch goes back to its queue, /ready says so; once the file can be
        // written the bad row is dead-lettered and every other row stored once.
        Files.writeString(dataDir.resolve("deadletter"), "in the way");
        FakeSession s = new FakeSession();
        List<Row> sent = rows(20);
        Row bad = sent.get(3);
        s.rejected.add(bad.eid());
        BatchManager m = manager(config(20, 5, "memory"), s);
        m.enqueue(sent);
        await(() -> m.status().get(0).writerFailure() != null);
        assertFalse(m.isReady(), "a failing writer makes /ready fail");
        Files.delete(dataDir.resolve("deadletter"));
        await(() -> s.rows() == 19 && m.status().get(0).writerFailure() == null);
        assertTrue(m.isReady());
        m.close(Duration.ofSeconds(5));
        Set<UUID> expected = eids(sent);
        expected.remove(bad.eid());
        assertEquals(expected, s.eids());
        assertEquals(19, s.rows(), "rows stored before the failed pass are not stored again");
        assertEquals(0, m.status().get(0).rowsLost());
        assertEquals(1, Files.readAllLines(dataDir.resolve("deadletter").resolve("fake.jsonl")).size());
    }

    @Test
    void aStopWithTheBreakerOpenMakesOneLastTrial() throws Exception {
        TableBatchConfig t = new TableBatchConfig("hybrid", 10, 16L << 20, 5, 1, 1, 2, "memory");
        BatchConfig c = new BatchConfig(64L << 20, 1L << 30, 1L << 20, 1, 1, 1, 5, 1, 600_000, 3, t, Map.of("events", t));
        FakeSession s = new FakeSession();
        BatchManager m = manager(c, s);
        m.awaitOpen(Duration.ofSeconds(5));
        s.down = true;
        m.enqueue(rows(10));
        await(() -> "open".equals(m.status().get(0).breaker()) && m.status().get(0).spoolBytes() > 0);
        s.down = false; // back, but the breaker would wait ten minutes for its trial
        List<Row> more = rows(5);
        m.enqueue(more);
        m.close(Duration.ofSeconds(5));
        assertEquals(15, s.rows(), "the last trial found the backend up: queue and spool delivered, nothing left");
        assertEquals(0, m.status().get(0).spoolBytes());
    }

    @Test
    void opensTheBreakerSpillsToTheSpoolAndDrainsItInOrderWhenTheSessionRecovers() throws Exception {
        FakeSession s = new FakeSession();
        s.down = false;
        BatchManager m = manager(config(10, 5, "memory"), s);
        m.awaitOpen(Duration.ofSeconds(5));
        s.down = true;
        List<Row> first = rows(50);
        m.enqueue(first);
        await(() -> m.status().get(0).spoolBytes() > 0 && "open".equals(m.status().get(0).breaker()));
        assertFalse(m.isReady(), "an open breaker makes /ready fail");
        List<Row> second = rows(50);
        m.enqueue(second);
        await(() -> m.status().get(0).queuedRows() == 0);
        assertEquals(0, s.rows());
        s.down = false;
        await(() -> s.rows() == 100);
        await(m::isReady);
        Set<UUID> all = eids(first);
        all.addAll(eids(second));
        assertEquals(all, s.eids());
        List<UUID> order = new ArrayList<>();
        s.batches.forEach(b -> b.forEach(r -> order.add(r.eid())));
        assertEquals(first.get(0).eid(), order.get(0), "the spool replays oldest first");
        m.close(Duration.ofSeconds(5));
        assertEquals(100, s.rows());
    }

    @Test
    void spilledRowsNeverAttemptedAreReplayedWithoutTheDuplicateCheckAndAttemptedOnesWithIt() throws Exception {
        FakeSession s = new FakeSession();
        BatchManager m = manager(config(10, 5, "memory"), s);
        m.awaitOpen(Duration.ofSeconds(5));
        s.down = true;
        List<Row> attempted = rows(10); // meets the outage: written, failed 3 times, spilled once the breaker opened
        m.enqueue(attempted);
        await(() -> m.status().get(0).spoolBytes() > 0 && "open".equals(m.status().get(0).breaker()));
        List<Row> untouched = rows(30); // spilled while the breaker is open: never attempted
        m.enqueue(untouched);
        await(() -> m.status().get(0).queuedRows() == 0);
        s.down = false;
        await(() -> s.rows() == 40);
        m.close(Duration.ofSeconds(5));
        Set<UUID> tried = eids(attempted);
        Set<UUID> fresh = eids(untouched);
        int cheap = 0;
        synchronized (s.batches) {
            for (int i = 0; i < s.batches.size(); i++) {
                List<Row> b = s.batches.get(i);
                if (b.stream().anyMatch(r -> tried.contains(r.eid()))) {
                    assertTrue(s.repeatFlags.get(i), "a spooled batch that was attempted may be stored: mayRepeat");
                } else if (b.stream().allMatch(r -> fresh.contains(r.eid()))) {
                    cheap += s.repeatFlags.get(i) ? 0 : 1;
                }
            }
        }
        assertTrue(cheap > 0, "rows spilled without an attempt replay without the duplicate check: " + s.repeatFlags);
        assertEquals(40, s.eids().size());
    }

    @Test
    void spillsEvenWhenTheRetryBackOffIsLongerThanTheBreakersOpenPeriod() throws Exception {
        // Back-off up to 2 s, breaker open for 100 ms: a pause would always end on a half-open trial. Found with a
        // real NATS outage (FanOutTest): the writer retried one batch for the whole outage and never spooled.
        TableBatchConfig t = new TableBatchConfig("hybrid", 10, 16L << 20, 5, 1, 1, 2, "memory");
        BatchConfig c = new BatchConfig(64L << 20, 1L << 30, 1L << 20, 1, 1, 500, 2_000, 3, 100, 3, t, Map.of("events", t));
        FakeSession s = new FakeSession();
        s.down = false;
        BatchManager m = manager(c, s);
        m.awaitOpen(Duration.ofSeconds(5));
        s.down = true;
        m.enqueue(rows(30));
        await(() -> m.status().get(0).spoolBytes() > 0 && m.status().get(0).queuedRows() == 0);
        s.down = false;
        await(() -> s.rows() == 30);
        m.close(Duration.ofSeconds(5));
        assertEquals(30, s.rows());
    }

    @Test
    void aStopWhileTheBackendIsDownSpoolsAndTheNextStartReplays() throws Exception {
        FakeSession s = new FakeSession();
        BatchManager m = manager(config(10, 5, "memory"), s);
        m.awaitOpen(Duration.ofSeconds(5));
        s.down = true;
        List<Row> sent = rows(30);
        m.enqueue(sent);
        m.close(Duration.ofMillis(300));
        assertEquals(0, s.rows());
        assertEquals(0, m.status().get(0).rowsLost(), "nothing lost: it is on disk");

        FakeSession next = new FakeSession();
        BatchManager m2 = manager(config(10, 5, "memory"), next);
        await(() -> next.rows() == 30);
        assertEquals(eids(sent), next.eids());
        assertTrue(next.repeatFlags.stream().allMatch(f -> f), "spool replays are marked mayRepeat");
        m2.close(Duration.ofSeconds(5));
    }

    @Test
    void walModeAcknowledgesAfterFsyncAndReplaysUnstoredRowsAfterACrash() throws Exception {
        FakeSession s = new FakeSession();
        BatchManager m = manager(config(10, 3_600_000, "wal"), s);
        m.awaitOpen(Duration.ofSeconds(5));
        s.down = true; // nothing reaches the backend: the rows live only in the WAL
        List<Row> sent = rows(7);
        CompletableFuture<Void> ack = m.enqueue(sent);
        ack.get(5, TimeUnit.SECONDS);
        assertEquals(7, m.walRowsOwed());
        // "Crash": no close; the writer thread is left behind and the files stay as they are.

        FakeSession after = new FakeSession();
        BatchManager m2 = manager(config(10, 5, "wal"), after);
        await(() -> after.rows() == 7);
        assertEquals(eids(sent), after.eids());
        assertTrue(after.repeatFlags.stream().allMatch(f -> f), "WAL replays are marked mayRepeat");
        await(() -> m2.walRowsOwed() == 0);
        m2.close(Duration.ofSeconds(5));
        try (var files = Files.list(dataDir.resolve("wal"))) {
            assertEquals(0, files.count(), "segments are deleted once every session has the rows");
        }
    }

    @Test
    void syncModeAcknowledgesOnlyAfterEverySessionStored() throws Exception {
        FakeSession a = new FakeSession("a");
        FakeSession b = new FakeSession("b");
        BatchManager m = manager(config(1000, 3_600_000, "sync"), a, b);
        m.awaitOpen(Duration.ofSeconds(5));
        CompletableFuture<Void> ack = m.enqueue(rows(3));
        Thread.sleep(100);
        assertFalse(ack.isDone(), "not stored yet (a 1-hour batch)");
        m.close(Duration.ofSeconds(5));
        assertTrue(ack.isDone());
        assertEquals(3, a.rows());
        assertEquals(3, b.rows());
    }

    @Test
    void oneDeadSessionDoesNotHoldBackTheOthers() throws Exception {
        FakeSession alive = new FakeSession("alive");
        FakeSession dead = new FakeSession("dead");
        BatchManager m = manager(config(10, 5, "memory"), alive, dead);
        m.awaitOpen(Duration.ofSeconds(5));
        dead.down = true;
        m.enqueue(rows(40));
        await(() -> alive.rows() == 40);
        assertEquals(0, dead.rows());
        dead.down = false;
        await(() -> dead.rows() == 40);
        m.close(Duration.ofSeconds(5));
    }

    @Test
    void overTheMemoryBudgetRowsSpillAndAFullSpoolRefusesWith503() throws Exception {
        FakeSession s = new FakeSession();
        TableBatchConfig t = new TableBatchConfig("hybrid", 1000, 16L << 20, 3_600_000, 1, 1, 2, "memory");
        // 1 MiB memory budget, 1 MiB spool: a dead backend fills both, then ingest is refused.
        BatchConfig c = new BatchConfig(1L << 20, 1L << 20, 256 * 1024, 1, 1, 1, 5, 1, 60_000, 3, t, Map.of("events", t));
        BatchManager m = manager(c, s);
        m.awaitOpen(Duration.ofSeconds(5));
        s.down = true;
        int accepted = 0;
        QueueFullException refused = null;
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (refused == null && System.nanoTime() < end) {
            try {
                m.enqueue(rows(100));
                accepted += 100;
            } catch (QueueFullException e) {
                refused = e;
            }
            Thread.sleep(1);
        }
        assertTrue(refused != null, "ingest is refused once memory and spool are exhausted");
        assertTrue(m.status().get(0).spoolBytes() > 0, "rows were spilled before refusing");
        m.close(Duration.ofSeconds(1)); // the backend is still down: the queue goes to the spool too
        assertEquals(0, m.status().get(0).rowsLost());

        FakeSession back = new FakeSession();
        BatchManager m2 = manager(c, back);
        int expected = accepted;
        await(() -> back.rows() >= expected);
        m2.close(Duration.ofSeconds(30));
        assertEquals(accepted, back.rows(), "every accepted row is stored once the backend is back");
        assertEquals(accepted, back.eids().size());
    }

    @Test
    void rowsOfSeveralTablesAreAcceptedTogetherOrNotAtAll() throws Exception {
        FakeSession s = new FakeSession();
        s.down = false;
        BatchManager m = manager(config(1000, 5, "sync"), s);
        m.awaitOpen(Duration.ofSeconds(5));
        List<Row> mixed = new ArrayList<>(rows(3));
        mixed.add(new RowBuilder(Tables.LTV).eid(UUID.randomUUID()).set("created_at", 0L).set("id_type", "uid")
                .set("id", UUID.randomUUID()).set("paid", new java.math.BigDecimal("1.0000")).build());
        m.enqueue(mixed).get(10, TimeUnit.SECONDS); // sync: both tables stored when this completes
        assertEquals(4, s.rows());
        assertEquals(Set.of("events", "ltv"), s.tables());
        m.close(Duration.ofSeconds(5));
        assertThrows(QueueFullException.class, () -> m.enqueue(mixed));
        assertEquals(4, s.rows(), "a refused request queued nothing, in no table");
    }

    private static List<Row> visitorRows(UUID vid, int n, long createdAt) {
        List<Row> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(new RowBuilder(Tables.EVENTS).eid(UUID.randomUUID()).set("vid", vid).set("created_at", createdAt).build());
        }
        return out;
    }

    @Test
    void anErasedVisitorsSpooledRowsAreNeverDeliveredEvenAfterARestart() throws Exception {
        FakeSession s = new FakeSession();
        s.down = false;
        BatchManager m = manager(config(10, 5, "memory"), s);
        m.awaitOpen(Duration.ofSeconds(5));
        s.down = true; // the backend is away: everything goes to the spool
        UUID erased = UUID.randomUUID();
        UUID kept = UUID.randomUUID();
        long past = System.currentTimeMillis() - 1_000;
        List<Row> keptRows = visitorRows(kept, 20, past);
        m.enqueue(visitorRows(erased, 20, past));
        m.enqueue(keptRows);
        await(() -> m.status().get(0).queuedRows() == 0 && m.status().get(0).spoolBytes() > 0);
        m.forget(erased);
        m.close(Duration.ofMillis(200)); // still down: the spool stays for the next start
        FakeSession next = new FakeSession();
        BatchManager m2 = manager(config(10, 5, "memory"), next); // a restart reads erasures.log back
        UUID laterEid = UUID.randomUUID();
        m2.enqueue(List.of(new RowBuilder(Tables.EVENTS).eid(laterEid).set("vid", erased)
                .set("created_at", System.currentTimeMillis() + 1_000).build()));
        await(() -> next.rows() == 21);
        m2.close(Duration.ofSeconds(5));
        Set<UUID> expected = eids(keptRows);
        expected.add(laterEid);
        assertEquals(expected, next.eids(), "the erased visitor's old rows are gone; its new visit is new data");
    }

    @Test
    void refusesAfterClose() throws Exception {
        FakeSession s = new FakeSession();
        BatchManager m = manager(config(10, 10, "memory"), s);
        m.close(Duration.ofSeconds(5));
        assertThrows(QueueFullException.class, () -> m.enqueue(rows(1)));
    }
}
