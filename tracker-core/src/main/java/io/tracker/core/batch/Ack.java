package io.tracker.core.batch;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/** Completes once every session has durably taken every row of one request ({@code sync} durability). */
final class Ack {
    private final AtomicInteger remaining;
    final CompletableFuture<Void> done = new CompletableFuture<>();

    Ack(int rowsTimesSessions) {
        this.remaining = new AtomicInteger(rowsTimesSessions);
    }

    void taken(int n) {
        if (remaining.addAndGet(-n) == 0) {
            done.complete(null);
        }
    }
}
