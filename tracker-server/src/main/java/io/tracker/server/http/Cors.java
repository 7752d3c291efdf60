package io.tracker.server.http;

import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;

/**
 * CORS (spec §1.4). With {@code allowOrigin = "*"} the caller's Origin is echoed (with Vary: Origin),
 * because browsers refuse credentialed responses — and the tracker's cookies are credentials — that
 * carry a literal {@code *}.
 */
public final class Cors {
    private final String allowOrigin;

    public Cors(String allowOrigin) {
        this.allowOrigin = allowOrigin;
    }

    public void decorate(HttpHeaders request, FullHttpResponse response) {
        String origin = request.get(HttpHeaderNames.ORIGIN);
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

    public FullHttpResponse preflight() {
        FullHttpResponse r = HttpResponses.empty(HttpResponseStatus.OK);
        r.headers().set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_HEADERS, "Authorization,Accept,User,Content-Type");
        r.headers().set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_METHODS, "GET,POST,HEAD,PUT,DELETE");
        r.headers().set(HttpHeaderNames.ACCESS_CONTROL_MAX_AGE, "1728000");
        return r;
    }
}
