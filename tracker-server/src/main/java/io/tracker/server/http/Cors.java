package io.tracker.server.http;

import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * CORS (spec §1.4). Tracking routes: with {@code allowOrigin = "*"} the caller's Origin is echoed (with Vary: Origin),
 * because browsers refuse credentialed responses — and the tracker's cookies are credentials — that carry a literal
 * {@code *}. Admin routes (short links, data subjects, LTV totals): never an echo, never {@code *}; only the origins of
 * {@code admin.allowedOrigins} get CORS headers, and an admin request sent by any other page is refused outright
 * (CORS only hides a response; the request — an erasure, say — would already have run with a cached Basic login).
 */
public final class Cors {
    private final String allowOrigin;
    private final Set<String> adminOrigins;

    public Cors(String allowOrigin) {
        this(allowOrigin, List.of());
    }

    public Cors(String allowOrigin, List<String> adminOrigins) {
        this(allowOrigin, adminOrigins, Set.of());
    }

    /**
     * {@code pageReads}: the calls ({@code "METHOD /path"}) the tracker's own pages make with a credential (the
     * dashboard's reads). Only those pass from a same-origin page without being listed in {@code admin.allowedOrigins}:
     * the origin also serves operators' static files and proxied content, so no write (a key, an erasure) may.
     */
    public Cors(String allowOrigin, List<String> adminOrigins, Set<String> pageReads) {
        this.allowOrigin = allowOrigin;
        this.adminOrigins = adminOrigins.stream().map(o -> o.toLowerCase(Locale.ROOT)).collect(Collectors.toUnmodifiableSet());
        this.pageReads = Set.copyOf(pageReads);
    }

    private final Set<String> pageReads;

    public void decorate(HttpHeaders request, io.netty.handler.codec.http.HttpResponse response, boolean admin) {
        String origin = request.get(HttpHeaderNames.ORIGIN);
        if (admin) {
            response.headers().add(HttpHeaderNames.VARY, HttpHeaderNames.ORIGIN);
            if (origin != null && adminOrigins.contains(origin.toLowerCase(Locale.ROOT))) {
                response.headers().set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN, origin);
                response.headers().set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_CREDENTIALS, "true");
            }
            return;
        }
        if ("*".equals(allowOrigin) && origin != null && !origin.isEmpty()) {
            response.headers().set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN, origin);
            response.headers().set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_CREDENTIALS, "true");
            response.headers().add(HttpHeaderNames.VARY, HttpHeaderNames.ORIGIN);
        } else {
            response.headers().set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN, allowOrigin);
            if (!"*".equals(allowOrigin)) {
                response.headers().set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_CREDENTIALS, "true");
            }
        }
    }

    /**
     * Whether an admin request may run: no {@code Origin} (a server, curl, an SDK) or a listed one; a browser page of
     * any other origin may not, nor a request a browser marks {@code Sec-Fetch-Site: cross-site} without an Origin.
     * The tracker's own pages (the dashboard) may make their reads ({@code pageReads}): the browser says
     * {@code Sec-Fetch-Site: same-origin} (a header no page can set) and the Origin names the host asked.
     */
    public boolean adminRequestAllowed(HttpHeaders request, String method, String path) {
        String origin = request.get(HttpHeaderNames.ORIGIN);
        if (origin == null) {
            return !"cross-site".equalsIgnoreCase(request.get("Sec-Fetch-Site"));
        }
        return adminOrigins.contains(origin.toLowerCase(Locale.ROOT))
                || pageReads.contains(method + " " + path) && sameOrigin(origin, request);
    }

    private static boolean sameOrigin(String origin, HttpHeaders request) {
        String host = request.get(HttpHeaderNames.HOST);
        if (host == null || !"same-origin".equalsIgnoreCase(request.get("Sec-Fetch-Site"))) {
            return false;
        }
        int scheme = origin.indexOf("://");
        return scheme > 0 && origin.substring(scheme + 3).equalsIgnoreCase(host);
    }

    /** Whether the request comes from a page of {@code admin.allowedOrigins}. */
    public boolean fromAdminOrigin(HttpHeaders request) {
        String origin = request.get(HttpHeaderNames.ORIGIN);
        return origin != null && adminOrigins.contains(origin.toLowerCase(Locale.ROOT));
    }

    public FullHttpResponse preflight(boolean admin) {
        FullHttpResponse r = HttpResponses.empty(HttpResponseStatus.OK);
        if (admin) {
            // Decorated like any admin response: an unlisted origin gets no Access-Control-Allow-Origin, so the
            // browser never sends the real request.
            r.headers().set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_HEADERS, "Authorization,Accept,Content-Type");
            r.headers().set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_METHODS, "GET,POST,DELETE");
            r.headers().set(HttpHeaderNames.ACCESS_CONTROL_MAX_AGE, "600");
            return r;
        }
        r.headers().set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_HEADERS, "Accept,User,Content-Type");
        r.headers().set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_METHODS, "GET,POST,HEAD");
        r.headers().set(HttpHeaderNames.ACCESS_CONTROL_MAX_AGE, "1728000");
        return r;
    }
}
