package io.tracker.server.http;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.tracker.core.config.RateLimitConfig;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;

/**
 * Per-IP limits with bucket4j: a burst bucket ({@code perSecond} sustained, {@code burst} at once) and a daily
 * bucket refilled at UTC midnight. Buckets live in a bounded Caffeine cache (an IP unseen for a day is forgotten).
 * Rejections answer 429 with {@code Retry-After} and are counted per limit in {@code tracker.ratelimit.rejected}.
 */
public final class RateLimiter {
    private final RateLimitConfig config;
    private final Cache<String, Bucket> buckets;
    private final List<io.tracker.core.config.Cidr> exempt;
    private final Counter burstRejected;
    private final Counter dailyRejected;

    /** Outcome: allowed, or rejected with the seconds to wait and which limit. */
    public record Decision(boolean allowed, long retryAfterSeconds, String limit) {
        static final Decision ALLOW = new Decision(true, 0, null);
    }

    public RateLimiter(RateLimitConfig config, MeterRegistry registry) {
        this.config = config;
        this.buckets = Caffeine.newBuilder().maximumSize(config.maxTrackedIps()).expireAfterAccess(Duration.ofDays(1)).build();
        this.exempt = io.tracker.core.config.Cidr.parseAll(config.exempt());
        burstRejected = Counter.builder("tracker.ratelimit.rejected").tag("limit", "burst")
                .description("requests answered 429").register(registry);
        dailyRejected = Counter.builder("tracker.ratelimit.rejected").tag("limit", "daily")
                .description("requests answered 429").register(registry);
        Gauge.builder("tracker.ratelimit.tracked.ips", buckets, Cache::estimatedSize)
                .description("client IPs with a rate-limit bucket").register(registry);
    }

    public boolean enabled() {
        return config.enabled();
    }

    public Decision check(String ip) {
        if (!config.enabled() || ip == null) {
            return Decision.ALLOW;
        }
        byte[] a = io.tracker.core.config.Cidr.literal(ip);
        if (a != null && io.tracker.core.config.Cidr.anyContains(exempt, a)) {
            return Decision.ALLOW;
        }
        ip = clientKey(ip, a);
        if (config.perDay() > 0) {
            ConsumptionProbe p = buckets.get("d:" + ip, k -> Bucket.builder().addLimit(Bandwidth.builder()
                    .capacity(config.perDay()).refillIntervallyAligned(config.perDay(), Duration.ofDays(1),
                            nextUtcMidnight()).build()).build()).tryConsumeAndReturnRemaining(1);
            if (!p.isConsumed()) {
                dailyRejected.increment();
                return new Decision(false, seconds(p.getNanosToWaitForRefill()), "daily");
            }
        }
        if (config.perSecond() > 0) {
            ConsumptionProbe p = buckets.get("s:" + ip, k -> Bucket.builder().addLimit(Bandwidth.builder()
                    .capacity(config.burst()).refillGreedy(config.perSecond(), Duration.ofSeconds(1)).build()).build())
                    .tryConsumeAndReturnRemaining(1);
            if (!p.isConsumed()) {
                burstRejected.increment();
                return new Decision(false, seconds(p.getNanosToWaitForRefill()), "burst");
            }
        }
        return Decision.ALLOW;
    }

    private static Instant nextUtcMidnight() {
        return LocalDate.now(ZoneOffset.UTC).plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant();
    }

    private static long seconds(long nanos) {
        return Math.max(1, (nanos + 999_999_999L) / 1_000_000_000L);
    }

    /**
     * Whom a bucket belongs to: the IPv4 address, or the /64 of an IPv6 one — a single host or home gets a whole /64
     * and picks any address in it, so per-address buckets would limit nothing.
     */
    static String clientKey(String ip, byte[] a) {
        if (a == null || a.length != 16) {
            return ip;
        }
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < 8; i += 2) {
            b.append(Integer.toHexString(((a[i] & 0xff) << 8) | (a[i + 1] & 0xff))).append(':');
        }
        return b.append(":/64").toString();
    }
}
