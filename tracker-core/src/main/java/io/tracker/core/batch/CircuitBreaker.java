package io.tracker.core.batch;

/**
 * Closed → (N consecutive failed writes) → open → (after {@code openNanos}) → half-open: one trial write;
 * success closes it, failure opens it again. Wraps writes, not only connects (spec §10.6 fixed).
 * Owned by one writer thread.
 */
public final class CircuitBreaker {
    public enum State { CLOSED, OPEN, HALF_OPEN }

    private final int failureThreshold;
    private final long openNanos;
    private State state = State.CLOSED;
    private int consecutiveFailures;
    private long openedAt;

    public CircuitBreaker(int failureThreshold, long openNanos) {
        this.failureThreshold = failureThreshold;
        this.openNanos = openNanos;
    }

    /** Whether a write may be attempted now; moves open → half-open once the wait is over. */
    public boolean allowsWrite(long nowNanos) {
        if (state == State.OPEN && nowNanos - openedAt >= openNanos) {
            state = State.HALF_OPEN;
        }
        return state != State.OPEN;
    }

    /** Nanoseconds until an open breaker allows a trial; 0 when not open. */
    public long nanosUntilTrial(long nowNanos) {
        return state == State.OPEN ? Math.max(0, openNanos - (nowNanos - openedAt)) : 0;
    }

    /** An open breaker allows its trial now, whatever is left of the wait (a graceful stop's last attempt). */
    public void allowTrialNow() {
        if (state == State.OPEN) {
            state = State.HALF_OPEN;
        }
    }

    /** Opens now, whatever the count: a failure known to be the backend's even though it answered. */
    public void trip(long nowNanos) {
        state = State.OPEN;
        openedAt = nowNanos;
    }

    public void onSuccess() {
        state = State.CLOSED;
        consecutiveFailures = 0;
    }

    public void onFailure(long nowNanos) {
        consecutiveFailures++;
        if (state == State.HALF_OPEN || consecutiveFailures >= failureThreshold) {
            state = State.OPEN;
            openedAt = nowNanos;
        }
    }

    public State state() {
        return state;
    }

}
