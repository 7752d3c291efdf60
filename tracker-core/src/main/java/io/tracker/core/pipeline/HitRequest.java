package io.tracker.core.pipeline;

import java.util.Map;

/**
 * A tracking request as the transport hands it over: already size-checked, not yet interpreted.
 *
 * @param route          which ingest route
 * @param method         upper-case HTTP method
 * @param pairsPath      the path after the route prefix ({@code /tr/v1/tr/}), still percent-encoded
 * @param rawQuery       the query string without '?', percent-encoded; null when absent
 * @param body           request body bytes, empty when none
 * @param cookies        request cookies by name
 * @param userHeader     the {@code User} header (a JSON object), or null
 * @param userAgent      the {@code User-Agent} header, or null
 * @param acceptLanguage the {@code Accept-Language} header, or null
 * @param ip             the client IP (proxy headers already resolved per config), or null
 * @param host           the request host, port stripped, lower-case, or null
 * @param clientHints    the {@code Sec-CH-UA*} request headers by lower-case name (user-agent client hints), or empty
 * @param tenant         the tenant of the request's API key ({@code ingest} scope): stamped as every event's {@code oid},
 *                       whatever the event says; null without a key
 */
public record HitRequest(
        Route route,
        String method,
        String pairsPath,
        String rawQuery,
        byte[] body,
        Map<String, String> cookies,
        String userHeader,
        String userAgent,
        String acceptLanguage,
        String ip,
        String host,
        Map<String, String> clientHints,
        java.util.UUID tenant) {

    public HitRequest {
        body = body == null ? new byte[0] : body;
        cookies = cookies == null ? Map.of() : cookies;
        clientHints = clientHints == null ? Map.of() : clientHints;
    }

    /** A request without an API key. */
    public HitRequest(Route route, String method, String pairsPath, String rawQuery, byte[] body, Map<String, String> cookies,
                      String userHeader, String userAgent, String acceptLanguage, String ip, String host,
                      Map<String, String> clientHints) {
        this(route, method, pairsPath, rawQuery, body, cookies, userHeader, userAgent, acceptLanguage, ip, host, clientHints,
                null);
    }

    /** A request without client hints. */
    public HitRequest(Route route, String method, String pairsPath, String rawQuery, byte[] body, Map<String, String> cookies,
                      String userHeader, String userAgent, String acceptLanguage, String ip, String host) {
        this(route, method, pairsPath, rawQuery, body, cookies, userHeader, userAgent, acceptLanguage, ip, host, Map.of(), null);
    }
}
