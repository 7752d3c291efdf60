package io.tracker.core.batch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tracker.core.config.TableBatchConfig;
import org.junit.jupiter.api.Test;

/** The trigger of every strategy, with time passed in (no threads, no real clock). */
class FlushPolicyTest {
    private static final long MS = 1_000_000L;

    private static FlushPolicy policy(String strategy) {
        return FlushPolicy.of(new TableBatchConfig(strategy, 100, 10_000, 1_000, 10, 10, 2, "memory"));
    }

    @Test
    void immediateFlushesAnyRowAtOnce() {
        FlushPolicy p = policy("immediate");
        assertFalse(p.isDue(0, 0, 0, 0));
        assertTrue(p.isDue(1, 10, 0, 0));
        assertEquals(0, p.nanosUntilDue(1, 10, 0, 0));
    }

    @Test
    void timeFlushesOnAgeOnly() {
        FlushPolicy p = policy("time");
        assertFalse(p.isDue(5_000, 1 << 30, 999 * MS, 0), "size and bytes never trigger it");
        assertTrue(p.isDue(1, 10, 1_000 * MS, 0));
        assertEquals(400 * MS, p.nanosUntilDue(3, 10, 600 * MS, 0));
        assertEquals(100, p.maxRows(), "a batch is still capped at maxRows");
    }

    @Test
    void sizeFlushesFullBatchesOnly() {
        FlushPolicy p = policy("size");
        assertFalse(p.isDue(99, 1 << 30, 3_600_000 * MS, 0), "age never triggers it");
        assertTrue(p.isDue(100, 0, 0, 0));
        assertEquals(Long.MAX_VALUE, p.nanosUntilDue(99, 0, 0, 0));
    }

    @Test
    void hybridFlushesOnRowsBytesOrAge() {
        FlushPolicy p = policy("hybrid");
        assertFalse(p.isDue(0, 0, 5_000 * MS, 0), "an empty queue is never due");
        assertFalse(p.isDue(99, 9_999, 999 * MS, 0));
        assertTrue(p.isDue(100, 0, 0, 0));
        assertTrue(p.isDue(1, 10_000, 0, 0));
        assertTrue(p.isDue(1, 0, 1_000 * MS, 0));
        assertEquals(400 * MS, p.nanosUntilDue(5, 0, 600 * MS, 0));
    }

    @Test
    void memoryFlushesOnBytes() {
        FlushPolicy p = policy("memory");
        assertFalse(p.isDue(50, 9_999, 3_600_000 * MS, 0), "age never triggers it");
        assertTrue(p.isDue(50, 10_000, 0, 0));
        assertEquals(Long.MAX_VALUE, p.nanosUntilDue(50, 9_999, 0, 0));
    }

    @Test
    void adaptiveConvergesUnderLoadAndRecoversAfterALatencySpike() {
        AdaptivePolicy p = new AdaptivePolicy(10, 50_000, 10 * MS, 2_000 * MS);
        long now = 0;
        // Idle, nothing measured: smallest batches, shortest age (low latency).
        assertEquals(10, p.targetRows());
        assertEquals(10 * MS, p.targetAgeNanos());

        // 20k rows/s arriving, flushes taking 5 ms: age → 20 × 5 ms = 100 ms, size → 20k/s × 0.1 s = 2,000.
        for (int i = 0; i < 200; i++) {
            now += 10 * MS;
            p.onArrival(200, now);
            if (i % 10 == 0) {
                p.onFlush(2_000, 5 * MS, now);
            }
        }
        assertEquals(100 * MS, p.targetAgeNanos(), 1 * MS);
        assertEquals(2_000, p.targetRows(), 100);
        int steadyRows = p.targetRows();

        // The backend slows down to 50 ms per flush: fewer, larger batches.
        for (int i = 0; i < 20; i++) {
            now += 10 * MS;
            p.onArrival(200, now);
            p.onFlush(steadyRows, 50 * MS, now);
        }
        assertTrue(p.targetRows() > 5 * steadyRows, "batches grow under a slow backend: " + p.targetRows());
        assertTrue(p.targetAgeNanos() <= 2_000 * MS, "bounded by maxAge");

        // The spike ends: back to the steady state.
        for (int i = 0; i < 60; i++) {
            now += 10 * MS;
            p.onArrival(200, now);
            p.onFlush(2_000, 5 * MS, now);
        }
        assertEquals(2_000, p.targetRows(), 150);

        // Traffic stops: the rate decays and batches shrink to the minimum.
        now += 5_000 * MS;
        assertFalse(p.isDue(5, 0, 1 * MS, now));
        assertEquals(10, p.targetRows());
        assertTrue(p.isDue(10, 0, 0, now), "at the minimum size a batch is due");
    }

    @Test
    void adaptiveStaysWithinBounds() {
        AdaptivePolicy p = new AdaptivePolicy(10, 1_000, 10 * MS, 500 * MS);
        long now = 0;
        for (int i = 0; i < 100; i++) {
            now += 10 * MS;
            p.onArrival(100_000, now);
            p.onFlush(1_000, 10_000 * MS, now);
        }
        assertEquals(1_000, p.targetRows());
        assertEquals(500 * MS, p.targetAgeNanos());
    }

    @Test
    void breakerOpensAfterConsecutiveFailuresAndHalfOpensAfterTheWait() {
        CircuitBreaker b = new CircuitBreaker(3, 1_000 * MS);
        assertTrue(b.allowsWrite(0));
        b.onFailure(0);
        b.onFailure(0);
        assertEquals(CircuitBreaker.State.CLOSED, b.state());
        b.onFailure(10 * MS);
        assertEquals(CircuitBreaker.State.OPEN, b.state());
        assertFalse(b.allowsWrite(500 * MS));
        assertEquals(510 * MS, b.nanosUntilTrial(500 * MS));
        assertTrue(b.allowsWrite(1_010 * MS));
        assertEquals(CircuitBreaker.State.HALF_OPEN, b.state());
        b.onFailure(1_020 * MS);
        assertEquals(CircuitBreaker.State.OPEN, b.state(), "a failed trial opens it again");
        assertTrue(b.allowsWrite(2_020 * MS));
        b.onSuccess();
        assertEquals(CircuitBreaker.State.CLOSED, b.state());
    }
}
