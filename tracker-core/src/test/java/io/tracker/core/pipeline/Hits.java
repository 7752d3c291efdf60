package io.tracker.core.pipeline;

import java.nio.charset.StandardCharsets;
import java.util.Map;

/** Test requests. */
final class Hits {
    private Hits() {
    }

    static HitRequest get(Route route, String pairs, String query) {
        return new HitRequest(route, "GET", pairs, query, null, Map.of(), null, "curl/8.5.0", "en-US,en;q=0.9",
                "127.0.0.1", "example.com");
    }

    static HitRequest post(Route route, String body) {
        return new HitRequest(route, "POST", "", null, body.getBytes(StandardCharsets.UTF_8), Map.of(), null,
                "curl/8.5.0", null, "127.0.0.1", "example.com");
    }

    static HitRequest withCookies(HitRequest r, Map<String, String> cookies) {
        return new HitRequest(r.route(), r.method(), r.pairsPath(), r.rawQuery(), r.body(), cookies, r.userHeader(),
                r.userAgent(), r.acceptLanguage(), r.ip(), r.host());
    }

    static HitRequest withUserHeader(HitRequest r, String user) {
        return new HitRequest(r.route(), r.method(), r.pairsPath(), r.rawQuery(), r.body(), r.cookies(), user,
                r.userAgent(), r.acceptLanguage(), r.ip(), r.host());
    }
}
