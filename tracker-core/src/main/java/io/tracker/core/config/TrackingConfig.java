package io.tracker.core.config;

/**
 * How hits become events.
 *
 * @param ignoreQueryParamsKey when this key is in a GET query, the query is not merged (spec §3 step 6)
 * @param lowercaseValues      lower-case string values of GET/POST hits, as the Go tracker does (spec §3)
 * @param cookieDomain         Domain attribute of the vid cookie; empty = host-only cookie
 * @param cookieMaxAgeDays     lifetime of the vid cookie
 * @param maxEventsPerRequest  events in one JSON array body; above it the request gets 400
 */
public record TrackingConfig(
        String ignoreQueryParamsKey,
        boolean lowercaseValues,
        String cookieDomain,
        int cookieMaxAgeDays,
        int maxEventsPerRequest) {

    public static TrackingConfig standard() {
        return new TrackingConfig("igqp", true, "", 365, 1_000);
    }

    void validate(Validation v) {
        v.notNull("tracking.ignoreQueryParamsKey", ignoreQueryParamsKey);
        v.notNull("tracking.cookieDomain", cookieDomain);
        v.range("tracking.cookieMaxAgeDays", cookieMaxAgeDays, 1, 3_650);
        v.range("tracking.maxEventsPerRequest", maxEventsPerRequest, 1, 100_000);
    }
}
