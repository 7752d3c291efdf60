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
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

/**
 * Per-IP limits with bucket4j: a burst bucket ({@code perSecond} sustained, {@code burst} at once) and a daily
 * bucket refilled at UTC midnight. Buckets live in a bounded Caffeine cache (an IP unseen for a day is forgotten).
 * Rejections answer 429 with {@code Retry-After} and are counted per limit in {@code tracker.ratelimit.rejected}.
 */
public final class RateLimiter {
    private final RateLimitConfig config;
    private final Cache<String, Bucket> buckets;
    private final List<byte[][]> exempt = new ArrayList<>();
    private final Counter burstRejected;
    private final Counter dailyRejected;

    /** Outcome: allowed, or rejected with the seconds to wait and which limit. */
    public record Decision(boolean allowed, long retryAfterSeconds, String limit) {
        static final Decision ALLOW = new Decision(true, 0, null);
    }

    public RateLimiter(RateLimitConfig config, MeterRegistry registry) {
        this.config = config;
        this.buckets = Caffeine.newBuilder().maximumSize(config.maxTrackedIps()).expireAfterAccess(Duration.ofDays(1)).build();
        for (String e : config.exempt()) {
            exempt.add(cidr(e));
        }
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
        if (!config.enabled() || ip == null || isExempt(ip)) {
            return Decision.ALLOW;
        }
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

    private boolean isExempt(String ip) {
        byte[] a = address(ip);
        if (a == null) {
            return false;
        }
        for (byte[][] range : exempt) {
            byte[] net = range[0];
            int bits = range[1][0] & 0xff;
            if (net.length != a.length) {
                continue;
            }
            boolean match = true;
            for (int i = 0; i < bits && match; i++) {
                int mask = 0x80 >>> (i % 8);
                match = (net[i / 8] & mask) == (a[i / 8] & mask);
            }
            if (match) {
                return true;
            }
        }
        return false;
    }

    private static byte[][] cidr(String spec) {
        int slash = spec.indexOf('/');
        byte[] net = address(slash < 0 ? spec : spec.substring(0, slash));
        if (net == null) {
            throw new IllegalArgumentException("rateLimit.exempt: not an IP or CIDR: " + spec);
        }
        int bits = slash < 0 ? net.length * 8 : Integer.parseInt(spec.substring(slash + 1));
        if (bits < 0 || bits > net.length * 8) {
            throw new IllegalArgumentException("rateLimit.exempt: bad prefix length: " + spec);
        }
        return new byte[][] {net, {(byte) bits}};
    }

    private static byte[] address(String ip) {
        if (!ip.matches("[0-9a-fA-F:.]+")) {
            return null; // a literal only: never a DNS lookup
        }
        try {
            return InetAddress.getByName(ip).getAddress();
        } catch (UnknownHostException e) {
            return null;
        }
    }
}
