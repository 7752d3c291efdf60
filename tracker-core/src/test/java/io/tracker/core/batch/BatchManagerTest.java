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
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class BatchManagerTest {

    private static BatchConfig config(int maxRows, long maxAgeMillis, int maxQueued) {
        TableBatchConfig t = new TableBatchConfig("hybrid", maxRows, maxAgeMillis);
        return new BatchConfig(maxQueued, 1, 5, t, Map.of("events", t));
    }

    private static List<Row> rows(int n) {
        List<Row> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(new RowBuilder(Tables.EVENTS).eid(UUID.randomUUID()).set("created_at", 0L).build());
        }
        return out;
    }

    private static void await(java.util.function.BooleanSupplier cond) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!cond.getAsBoolean()) {
            assertTrue(System.nanoTime() < end, "condition not met within 10 s");
            Thread.sleep(5);
        }
    }

    @Test
    void hybridPolicyTriggersOnSizeOrAge() {
        HybridPolicy p = new HybridPolicy(100, 1_000);
        assertFalse(p.isDue(0, 5_000), "an empty queue is never due");
        assertFalse(p.isDue(99, 999));
        assertTrue(p.isDue(100, 0));
        assertTrue(p.isDue(1, 1_000));
        assertEquals(400, p.nanosUntilDue(5, 600));
        assertEquals(Long.MAX_VALUE, p.nanosUntilDue(0, 0));
        assertEquals(0, p.nanosUntilDue(100, 0));
    }

    @Test
    void flushesFullBatchesBySize() throws Exception {
        FakeSession s = new FakeSession();
        BatchManager m = new BatchManager(List.of(s), Tables.ALL, config(10, 3_600_000, 1000), new SimpleMeterRegistry());
        m.start();
        m.enqueue(rows(25));
        await(() -> s.rows() == 20);
        assertEquals(List.of(10, 10), s.batches.stream().map(List::size).toList());
        m.close(Duration.ofSeconds(5));
        assertEquals(25, s.rows(), "close flushes the partial batch");
        assertTrue(s.closed);
    }

    @Test
    void flushesPartialBatchByAge() throws Exception {
        FakeSession s = new FakeSession();
        BatchManager m = new BatchManager(List.of(s), Tables.ALL, config(1000, 50, 1000), new SimpleMeterRegistry());
        m.start();
        m.enqueue(rows(3));
        await(() -> s.rows() == 3);
        assertEquals(1, s.batches.size());
        m.close(Duration.ofSeconds(5));
    }

    @Test
    void retriesFailedWritesWithoutLosingOrDuplicatingRows() throws Exception {
        FakeSession s = new FakeSession();
        s.failuresLeft.set(3);
        BatchManager m = new BatchManager(List.of(s), Tables.ALL, config(5, 10, 1000), new SimpleMeterRegistry());
        m.start();
        List<Row> sent = rows(12);
        m.enqueue(sent);
        m.close(Duration.ofSeconds(10));
        assertEquals(12, s.rows());
        Set<UUID> stored = new HashSet<>();
        s.batches.forEach(b -> b.forEach(r -> stored.add(r.eid())));
        assertEquals(12, stored.size());
        assertTrue(s.attempts.get() >= 6, "three failed attempts were retried");
    }

    @Test
    void refusesWhenQueueIsFullAndQueuesNothing() throws Exception {
        FakeSession s = new FakeSession();
        BatchManager m = new BatchManager(List.of(s), Tables.ALL, config(1000, 3_600_000, 10), new SimpleMeterRegistry());
        m.start();
        m.enqueue(rows(8));
        assertThrows(QueueFullException.class, () -> m.enqueue(rows(3)));
        m.enqueue(rows(2));
        m.close(Duration.ofSeconds(5));
        assertEquals(10, s.rows());
    }

    @Test
    void fansOutToEverySession() throws Exception {
        FakeSession a = new FakeSession();
        FakeSession b = new FakeSession("fake-b");
        BatchManager m = new BatchManager(List.of(a, b), Tables.ALL, config(100, 10, 1000), new SimpleMeterRegistry());
        m.start();
        m.enqueue(rows(7));
        m.close(Duration.ofSeconds(5));
        assertEquals(7, a.rows());
        assertEquals(7, b.rows());
    }

    @Test
    void refusesAfterClose() throws Exception {
        FakeSession s = new FakeSession();
        BatchManager m = new BatchManager(List.of(s), Tables.ALL, config(10, 10, 100), new SimpleMeterRegistry());
        m.start();
        m.close(Duration.ofSeconds(5));
        assertThrows(QueueFullException.class, () -> m.enqueue(rows(1)));
    }
}
