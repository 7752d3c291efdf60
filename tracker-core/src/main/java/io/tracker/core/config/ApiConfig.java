package io.tracker.core.config;

import java.util.List;
import java.util.Locale;

/**
 * The tenant-scoped read and ingest APIs ({@code /api/...}) and their API keys.
 *
 * @param prefix          where the read APIs live ({@code /api/}); must not overlap {@code proxy.prefix}
 * @param keys            keys declared here rather than created over HTTP (immutable deployments): each the SHA-256
 *                        (hex) of its secret, its tenant and scopes; they cannot be revoked over HTTP
 * @param keyCacheSeconds how long a key lookup is cached (a revocation on this node, or announced on the cluster bus,
 *                        is effective at once; a node that missed the announcement takes at most this long)
 * @param defaultLimit    rows per page when a request gives no limit
 * @param maxLimit        the most rows a page or a query may return
 * @param maxFilterValues the most values one filter may list
 * @param pageviewNames   the {@code ename}s counted as page views ({@code pageviews}, {@code bounce_rate})
 * @param queryTimeoutSeconds a statement of the query APIs that takes longer is abandoned (503)
 * @param maxConcurrentQueries statements of the query APIs run at once; more are a 503 at once (the business APIs
 *                        share their threads: LTV, consent and key lookups are never queued behind a report)
 * @param segment         the Segment-compatible ingest API
 */
public record ApiConfig(String prefix, List<DeclaredKey> keys, int keyCacheSeconds, int defaultLimit, int maxLimit,
                        int maxFilterValues, List<String> pageviewNames, int queryTimeoutSeconds,
                        int maxConcurrentQueries, SegmentConfig segment) {

    public ApiConfig {
        segment = segment == null ? SegmentConfig.standard() : segment;
        keys = keys == null ? List.of() : List.copyOf(keys);
        pageviewNames = pageviewNames == null ? List.of("page_view", "pageview") : List.copyOf(pageviewNames);
    }

    public static ApiConfig standard() {
        return new ApiConfig("/api/", List.of(), 30, 100, 10_000, 100, List.of("page_view", "pageview"), 30, 2,
                SegmentConfig.standard());
    }

    /** The prefix without its trailing slash ({@code /api}). */
    public String base() {
        return prefix.endsWith("/") ? prefix.substring(0, prefix.length() - 1) : prefix;
    }

    /** A key declared in configuration: {@code sha256} of the secret (64 hex digits), tenant {@code oid}, scopes. */
    public record DeclaredKey(String id, String sha256, String oid, List<String> scopes, String name) {
        public DeclaredKey {
            scopes = scopes == null ? List.of() : List.copyOf(scopes);
        }
    }

    public static final List<String> SCOPES = List.of("ingest", "events:read", "stats:read");

    void validate(Validation v) {
        if (prefix == null || !prefix.startsWith("/") || prefix.length() < 2 || !prefix.matches("/[A-Za-z0-9._~/-]+")) {
            v.fail("api.prefix", "must be a path like /api/");
        } else if (base().equals("/tr") || base().startsWith("/tr/")) {
            v.fail("api.prefix", "must not be under the tracker's own /tr/");
        }
        v.range("api.keyCacheSeconds", keyCacheSeconds, 0, 3_600);
        v.range("api.maxLimit", maxLimit, 1, 1_000_000);
        v.range("api.defaultLimit", defaultLimit, 1, maxLimit);
        v.range("api.maxFilterValues", maxFilterValues, 1, 10_000);
        v.range("api.queryTimeoutSeconds", queryTimeoutSeconds, 1, 3_600);
        v.range("api.maxConcurrentQueries", maxConcurrentQueries, 1, 64);
        segment.validate(v);
        for (int i = 0; i < keys.size(); i++) {
            DeclaredKey k = keys.get(i);
            String at = "api.keys[" + i + "]";
            if (!v.notNull(at, k)) {
                continue;
            }
            if (k.sha256() == null || !k.sha256().toLowerCase(Locale.ROOT).matches("[0-9a-f]{64}")) {
                v.fail(at + ".sha256", "must be the SHA-256 of the key, 64 hex digits");
            }
            if (io.tracker.core.pipeline.EventIds.parse(k.oid()) == null) {
                v.fail(at + ".oid", "must be the tenant's UUID");
            }
            if (k.scopes().isEmpty() || !SCOPES.containsAll(k.scopes())) {
                v.fail(at + ".scopes", "must list some of " + SCOPES);
            }
        }
    }
}
