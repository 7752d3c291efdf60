package io.tracker.core.batch;

/**
 * A controller for batch size and age (the intent of spec §10.5, without its cumulative-sum collapse).
 * It keeps moving averages of the arrival rate and of flush latency and aims to spend at most
 * {@code 1/DUTY_FACTOR} of wall time flushing: the target age is {@code DUTY_FACTOR × latency},
 * the target size is what arrives in that time. Under load that gives few, large batches; when idle,
 * small batches flushed after the minimum age; after a latency spike the averages decay back.
 * Both targets stay within the configured bounds.
 */
public final class AdaptivePolicy implements FlushPolicy {
    static final double DUTY_FACTOR = 20.0;
    private static final double LATENCY_ALPHA = 0.2;
    private static final double RATE_ALPHA = 0.3;
    private static final long RATE_WINDOW_NANOS = 100_000_000L;

    private final int minRows;
    private final int maxRows;
    private final long minAgeNanos;
    private final long maxAgeNanos;

    private double latencyNanos = -1;
    private double ratePerNano;
    private long windowStart = Long.MIN_VALUE;
    private long windowRows;

    public AdaptivePolicy(int minRows, int maxRows, long minAgeNanos, long maxAgeNanos) {
        this.minRows = minRows;
        this.maxRows = maxRows;
        this.minAgeNanos = minAgeNanos;
        this.maxAgeNanos = maxAgeNanos;
    }

    @Override
    public int maxRows() {
        return targetRows();
    }

    /** The current target age of a batch. */
    public long targetAgeNanos() {
        double age = latencyNanos < 0 ? minAgeNanos : DUTY_FACTOR * latencyNanos;
        return (long) Math.max(minAgeNanos, Math.min(maxAgeNanos, age));
    }

    /** The current target size of a batch. */
    public int targetRows() {
        double rows = ratePerNano * targetAgeNanos();
        return (int) Math.max(minRows, Math.min(maxRows, Math.round(rows)));
    }

    @Override
    public boolean isDue(int rows, long bytes, long ageNanos, long nowNanos) {
        advance(nowNanos);
        return rows > 0 && (rows >= targetRows() || ageNanos >= targetAgeNanos());
    }

    @Override
    public long nanosUntilDue(int rows, long bytes, long ageNanos, long nowNanos) {
        if (rows == 0) {
            return Long.MAX_VALUE;
        }
        return isDue(rows, bytes, ageNanos, nowNanos) ? 0 : targetAgeNanos() - ageNanos;
    }

    @Override
    public void onArrival(int rows, long nowNanos) {
        advance(nowNanos);
        windowRows += rows;
    }

    @Override
    public void onFlush(int rows, long latency, long nowNanos) {
        latencyNanos = latencyNanos < 0 ? latency : LATENCY_ALPHA * latency + (1 - LATENCY_ALPHA) * latencyNanos;
    }

    /** Folds every complete rate window up to {@code now} into the moving average (idle windows count as zero). */
    private void advance(long now) {
        if (windowStart == Long.MIN_VALUE) {
            windowStart = now;
            return;
        }
        int folded = 0;
        while (now - windowStart >= RATE_WINDOW_NANOS) {
            double rate = (double) windowRows / RATE_WINDOW_NANOS;
            ratePerNano = RATE_ALPHA * rate + (1 - RATE_ALPHA) * ratePerNano;
            windowRows = 0;
            windowStart += RATE_WINDOW_NANOS;
            if (++folded > 100) { // long idle: the average has decayed to nothing anyway
                ratePerNano = 0;
                windowStart = now;
                break;
            }
        }
    }
}
