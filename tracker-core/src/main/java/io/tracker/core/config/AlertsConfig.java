package io.tracker.core.config;

import java.util.List;

/**
 * Spike and error-rate alerts over per-{@code ename} counts in fixed windows, per node.
 *
 * @param enabled        run the detector
 * @param windowSeconds  window length
 * @param spike          when a window's count is a spike
 * @param errorTypes     {@code etyp} values that count as errors
 * @param errorRate      an error-rate alert when errors exceed this share of a window's events
 * @param errorMinEvents … and the window holds at least this many events (a single error in three hits is no rate)
 * @param maxNames       distinct {@code ename}s counted per window; the rest count as {@code (other)}
 * @param natsUrl        a NATS server to publish each alert to, on {@code alerts.<kind>}; empty = the first NATS
 *                       session's server when there is one, else none
 */
public record AlertsConfig(boolean enabled, int windowSeconds, Spike spike, List<String> errorTypes, double errorRate,
                           int errorMinEvents, int maxNames, String natsUrl) {

    public AlertsConfig {
        spike = spike == null ? Spike.standard() : spike;
        errorTypes = errorTypes == null ? List.of() : List.copyOf(errorTypes);
    }

    public static AlertsConfig standard() {
        return new AlertsConfig(true, 60, Spike.standard(), List.of("error", "err", "exception"), 0.05, 20, 1000, "");
    }

    /**
     * A window is a spike when its count exceeds {@code max(minEvents, factor × baseline)}, the baseline being the
     * mean of the previous {@code baselineWindows} windows of that {@code ename} (empty ones count as 0).
     */
    public record Spike(double factor, int minEvents, int baselineWindows) {
        public static Spike standard() {
            return new Spike(3.0, 100, 10);
        }
    }

    void validate(Validation v) {
        v.range("alerts.windowSeconds", windowSeconds, 1, 86_400);
        if (v.notNull("alerts.spike", spike)) {
            if (!(spike.factor() >= 1.0 && spike.factor() <= 1_000_000)) {
                v.fail("alerts.spike.factor", "must be between 1 and 1000000");
            }
            v.range("alerts.spike.minEvents", spike.minEvents(), 1, Integer.MAX_VALUE);
            v.range("alerts.spike.baselineWindows", spike.baselineWindows(), 1, 1440);
        }
        if (!(errorRate > 0 && errorRate <= 1)) {
            v.fail("alerts.errorRate", "must be in (0, 1]");
        }
        v.range("alerts.errorMinEvents", errorMinEvents, 1, Integer.MAX_VALUE);
        v.range("alerts.maxNames", maxNames, 1, 1_000_000);
        v.notNull("alerts.natsUrl", natsUrl);
    }
}
