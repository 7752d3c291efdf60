package io.tracker.core.config;

import java.util.List;

/**
 * Per-client-IP limits (spec §14.1, fixed: every request counts, and an IP without history is not blocked). Off by
 * default: behind a proxy without {@code server.trustProxyHeaders} every client has the proxy's address.
 *
 * @param perSecond     sustained requests per second per IP; 0 = no burst limit
 * @param burst         requests an IP may send at once before {@code perSecond} applies
 * @param perDay        requests per IP per day; 0 = no daily limit
 * @param exempt        IPs or CIDR ranges never limited (monitoring, your own servers)
 * @param maxTrackedIps how many IPs' buckets are kept in memory (least recently seen are forgotten)
 */
public record RateLimitConfig(int perSecond, int burst, long perDay, List<String> exempt, int maxTrackedIps) {

    public RateLimitConfig {
        exempt = exempt == null ? List.of() : List.copyOf(exempt);
    }

    public static RateLimitConfig standard() {
        return new RateLimitConfig(0, 0, 0, List.of(), 1_000_000);
    }

    /**
     * The share of one of {@code nodes} trackers behind a round-robin balancer: every rate and bucket divided,
     * rounded up (a limit that is on stays on).
     */
    public RateLimitConfig perNode(int nodes) {
        if (nodes <= 1) {
            return this;
        }
        return new RateLimitConfig(share(perSecond, nodes), share(burst, nodes), perDay <= 0 ? perDay : (perDay + nodes - 1) / nodes,
                exempt, maxTrackedIps);
    }

    private static int share(int budget, int nodes) {
        return budget <= 0 ? budget : (budget + nodes - 1) / nodes;
    }

    public boolean enabled() {
        return perSecond > 0 || perDay > 0;
    }

    void validate(Validation v) {
        v.range("rateLimit.perSecond", perSecond, 0, 10_000_000);
        v.range("rateLimit.burst", burst, perSecond > 0 ? 1 : 0, 100_000_000);
        v.range("rateLimit.perDay", perDay, 0, Long.MAX_VALUE / 2);
        v.range("rateLimit.maxTrackedIps", maxTrackedIps, 1, 100_000_000);
        for (int i = 0; i < exempt.size(); i++) {
            String e = exempt.get(i);
            if (e == null || !e.matches("[0-9a-fA-F:.]+(/\\d{1,3})?")) {
                v.fail("rateLimit.exempt[" + i + "]", "must be an IP or CIDR range (got '" + e + "')");
            }
        }
    }
}
