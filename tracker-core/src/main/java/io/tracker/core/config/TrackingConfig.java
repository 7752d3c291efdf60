package io.tracker.core.config;

/**
 * How hits become events.
 *
 * @param ignoreQueryParamsKey when this key is in a GET query, the query is not merged (spec §3 step 6)
 * @param lowercaseValues      lower-case string values of GET/POST hits, as the Go tracker does (spec §3)
 * @param cookieDomain         Domain attribute of the vid cookie; empty = host-only cookie
 * @param cookieMaxAgeDays     lifetime of the vid cookie
 * @param maxEventsPerRequest  events in one JSON array body; above it the request gets 400
 * @param cookieSameSite       SameSite of the vid cookie: Lax (default), Strict or None (None needs Secure)
 * @param cookieSecure         auto (default: Secure when the request came over HTTPS, directly or as a trusted proxy's
 *                             X-Forwarded-Proto says), always or never
 * @param cookieHttpOnly       HttpOnly on the vid cookie; off by default because the Go tracker's browser client
 *                             reads vid from JavaScript
 */
public record TrackingConfig(
        String ignoreQueryParamsKey,
        boolean lowercaseValues,
        String cookieDomain,
        int cookieMaxAgeDays,
        int maxEventsPerRequest,
        String cookieSameSite,
        String cookieSecure,
        boolean cookieHttpOnly) {

    public TrackingConfig {
        cookieSameSite = cookieSameSite == null ? "Lax" : cookieSameSite;
        cookieSecure = cookieSecure == null ? "auto" : cookieSecure;
    }

    public static TrackingConfig standard() {
        return new TrackingConfig("igqp", true, "", 365, 1_000, "Lax", "auto", false);
    }

    void validate(Validation v) {
        v.notNull("tracking.ignoreQueryParamsKey", ignoreQueryParamsKey);
        v.notNull("tracking.cookieDomain", cookieDomain);
        v.range("tracking.cookieMaxAgeDays", cookieMaxAgeDays, 1, 3_650);
        v.range("tracking.maxEventsPerRequest", maxEventsPerRequest, 1, 100_000);
        if (!java.util.List.of("Lax", "Strict", "None").contains(cookieSameSite)) {
            v.fail("tracking.cookieSameSite", "must be Lax, Strict or None");
        }
        if (!java.util.List.of("auto", "always", "never").contains(cookieSecure)) {
            v.fail("tracking.cookieSecure", "must be auto, always or never");
        }
        if ("None".equals(cookieSameSite) && "never".equals(cookieSecure)) {
            v.fail("tracking.cookieSameSite", "None needs a Secure cookie (browsers drop it otherwise)");
        }
    }
}
