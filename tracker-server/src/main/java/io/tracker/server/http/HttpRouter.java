package io.tracker.server.http;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.tracker.core.pipeline.Route;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Dispatches complete requests to the route handlers and writes their response with CORS and
 * keep-alive handling. Malformed requests are answered here with a JSON reason.
 */
@ChannelHandler.Sharable
public final class HttpRouter extends SimpleChannelInboundHandler<FullHttpRequest> {
    private static final Logger log = LoggerFactory.getLogger(HttpRouter.class);
    static final String API_PREFIX = "/tr/v1/";

    private final TrackHandler track;
    private final OpsHandler ops;
    private final Cors cors;
    private final Rejections rejections;

    private final BusinessHandler business;
    private final RateLimiter limiter;
    private final ClientAddress address;
    private io.tracker.server.ws.WebSocketTracker websocket;
    private io.tracker.server.files.StaticFiles files;

    public HttpRouter(TrackHandler track, OpsHandler ops, Cors cors, Rejections rejections) {
        this(track, ops, null, null, null, cors, rejections);
    }

    public HttpRouter(TrackHandler track, OpsHandler ops, BusinessHandler business, RateLimiter limiter,
                      ClientAddress address, Cors cors, Rejections rejections) {
        this.business = business;
        this.limiter = limiter;
        this.address = address;
        this.track = track;
        this.ops = ops;
        this.cors = cors;
        this.rejections = rejections;
    }

    /** Serves {@code /tr/v1/pub/} from {@code files}. */
    public HttpRouter withStaticFiles(io.tracker.server.files.StaticFiles files) {
        this.files = files;
        return this;
    }

    /** Serves {@code /tr/v1/ws} with {@code ws} (no WebSocket without it). */
    public HttpRouter withWebSocket(io.tracker.server.ws.WebSocketTracker ws) {
        this.websocket = ws;
        return this;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        RequestDeadline.disarm(ctx.channel());
        ResponseOrder order = ResponseOrder.of(ctx.channel());
        boolean malformed = !request.decoderResult().isSuccess();
        if (!malformed && websocket != null && request.method().equals(HttpMethod.GET)
                && HttpCall.path(request.uri()).equals("/tr/v1/ws")
                && io.tracker.server.ws.WebSocketTracker.isUpgrade(request.headers()) && order.idle()
                && websocket.originAllowed(request.headers()) && !ConnectionLimiter.isOverLimit(ctx.channel())
                && (limiter == null || !limiter.enabled()
                        || limiter.check(address.ip(ctx.channel(), request.headers())).allowed())) {
            // (over a limit it falls through to the routing below, which answers 503 or 429 as for any request)
            websocket.upgrade(ctx, request); // the connection is a WebSocket from here on
            return;
        }
        long seq = order.begin(ctx.channel(), malformed || !HttpUtil.isKeepAlive(request));
        if (seq < 0) {
            return; // after the connection's last request: never run (a smuggled request would be one)
        }
        if (malformed) {
            order.complete(ctx.channel(), seq, finish(request, malformed(request.decoderResult().cause()), true), true);
        } else if (ConnectionLimiter.isOverLimit(ctx.channel())) {
            rejections.count("max_connections");
            FullHttpResponse response = HttpResponses.error(HttpResponseStatus.SERVICE_UNAVAILABLE, "max_connections",
                    "maximum connections reached on this node");
            response.headers().set(HttpHeaderNames.RETRY_AFTER, "1");
            order.complete(ctx.channel(), seq, finish(request, response, true), true);
        } else {
            CompletableFuture<FullHttpResponse> pending = route(HttpCall.of(ctx.channel(), request));
            boolean close = !HttpUtil.isKeepAlive(request);
            if (pending.isDone()) {
                order.complete(ctx.channel(), seq, finish(request, pending.join(), close), close);
            } else {
                // Durable modes answer later, from the WAL or writer thread: back on the event loop, in request order.
                request.retain();
                pending.whenComplete((response, error) -> {
                    try {
                        ctx.executor().execute(() -> {
                            try {
                                order.complete(ctx.channel(), seq, finish(request, error == null ? response : HttpResponses.error(
                                        HttpResponseStatus.INTERNAL_SERVER_ERROR, "internal_error", "internal error"),
                                        close), close);
                            } finally {
                                request.release();
                            }
                        });
                    } catch (java.util.concurrent.RejectedExecutionException stopped) {
                        request.release(); // the event loop is gone: the client gets no answer, so no ack
                    }
                });
            }
        }
    }

    /** CORS, HEAD and connection headers of the response to {@code request}. */
    private FullHttpResponse finish(FullHttpRequest request, FullHttpResponse response, boolean close) {
        cors.decorate(request.headers(), response, isAdminRoute(request));
        if (request.method().equals(HttpMethod.HEAD)) {
            response.content().clear(); // headers, incl. Content-Length, describe the GET response
        }
        if (close) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        } else if (!request.protocolVersion().isKeepAliveDefault()) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
        }
        return response;
    }

    private CompletableFuture<FullHttpResponse> route(HttpCall call) {
        String path = call.path();
        boolean ops = OpsHandler.PATHS.contains(path);
        if (!ops && limiter != null && limiter.enabled()) {
            RateLimiter.Decision d = limiter.check(address.ip(call.channel(), call.request().headers()));
            if (!d.allowed()) {
                rejections.count("rate_limited");
                FullHttpResponse r = HttpResponses.error(HttpResponseStatus.TOO_MANY_REQUESTS, "rate_limited",
                        "the " + d.limit() + " request limit for this address is reached");
                r.headers().set(HttpHeaderNames.RETRY_AFTER, Long.toString(d.retryAfterSeconds()));
                return CompletableFuture.completedFuture(r);
            }
        }
        if (path.startsWith(API_PREFIX)) {
            int start = API_PREFIX.length();
            int slash = path.indexOf('/', start);
            String segment = slash < 0 ? path.substring(start) : path.substring(start, slash);
            String rest = slash < 0 ? "" : path.substring(slash + 1);
            if (segment.equals("pub") && files != null) {
                if (call.method().equals("OPTIONS")) {
                    return CompletableFuture.completedFuture(cors.preflight(false));
                }
                if (!call.method().equals("GET") && !call.method().equals("HEAD")) {
                    rejections.count("method_not_allowed");
                    FullHttpResponse r = HttpResponses.error(HttpResponseStatus.METHOD_NOT_ALLOWED, "method_not_allowed",
                            call.method() + " is not allowed on /tr/v1/pub/");
                    r.headers().set(HttpHeaderNames.ALLOW, "GET, HEAD, OPTIONS");
                    return CompletableFuture.completedFuture(r);
                }
                return files.serveAsync(rest, call.request().headers());
            }
            if (segment.equals(Route.WEBSOCKET.segment()) && rest.isEmpty()) {
                if (call.method().equals("OPTIONS")) {
                    return CompletableFuture.completedFuture(cors.preflight(false));
                }
                if (websocket != null && io.tracker.server.ws.WebSocketTracker.isUpgrade(call.request().headers())
                        && !websocket.originAllowed(call.request().headers())) {
                    rejections.count("ws_origin");
                    return CompletableFuture.completedFuture(HttpResponses.error(HttpResponseStatus.FORBIDDEN,
                            "ws_origin", "pages of this origin may not connect (websocket.allowedOrigins)"));
                }
                rejections.count("not_websocket");
                return CompletableFuture.completedFuture(io.tracker.server.ws.WebSocketTracker.notAnUpgrade());
            }
            for (Route r : Route.values()) {
                if (r != Route.SHORT_LINK && r != Route.WEBSOCKET && r.segment().equals(segment)) {
                    if (call.method().equals("OPTIONS")) {
                        return CompletableFuture.completedFuture(cors.preflight(false));
                    }
                    return track.handle(call, r, rest);
                }
            }
            if (business != null) {
                if (call.method().equals("OPTIONS") && List.of("ltv", "rpi", "ppi").contains(segment)) {
                    // An admin page (admin.allowedOrigins) may send Authorization anywhere here, e.g. an LTV refund.
                    boolean admin = isAdminRoute(call.request()) || cors.fromAdminOrigin(call.request().headers());
                    return CompletableFuture.completedFuture(cors.preflight(admin));
                }
                boolean admin = isAdminRoute(call.request())
                        || call.request().headers().contains(HttpHeaderNames.AUTHORIZATION);
                if (admin && !cors.adminRequestAllowed(call.request().headers())) {
                    rejections.count("cross_origin");
                    return CompletableFuture.completedFuture(HttpResponses.error(HttpResponseStatus.FORBIDDEN,
                            "cross_origin", "admin routes refuse requests from web pages of other origins "
                                    + "(admin.allowedOrigins lists the ones allowed)"));
                }
                CompletableFuture<FullHttpResponse> r = business.handleApi(call, segment, rest);
                if (r != null) {
                    return r;
                }
            }
        } else if (call.method().equals("GET") || call.method().equals("HEAD")) {
            FullHttpResponse r = this.ops.handle(call);
            if (r != null) {
                return CompletableFuture.completedFuture(r);
            }
            if (business != null) {
                return path.equals("/clear") ? CompletableFuture.completedFuture(business.clear()) : business.shortLink(call);
            }
        } else if (this.ops.handle(call) != null) {
            rejections.count("method_not_allowed");
            FullHttpResponse r = HttpResponses.error(HttpResponseStatus.METHOD_NOT_ALLOWED, "method_not_allowed",
                    call.method() + " is not allowed on " + path);
            r.headers().set(HttpHeaderNames.ALLOW, "GET, HEAD");
            return CompletableFuture.completedFuture(r);
        }
        rejections.count("not_found");
        return CompletableFuture.completedFuture(
                HttpResponses.error(HttpResponseStatus.NOT_FOUND, "not_found", "no route for " + sanitise(path)));
    }

    /**
     * Admin routes: short links ({@code rpi}), the data-subject API ({@code ppi/subject}) and LTV totals (GET
     * {@code ltv}); a preflight is judged by the method it asks for.
     */
    static boolean isAdminRoute(FullHttpRequest request) {
        String path = HttpCall.path(request.uri()); // the path routing sees (absolute-form URIs included)
        if (!path.startsWith(API_PREFIX)) {
            return false;
        }
        String rest = path.substring(API_PREFIX.length());
        String method = request.method().name();
        if (method.equals("OPTIONS")) {
            String asked = request.headers().get(HttpHeaderNames.ACCESS_CONTROL_REQUEST_METHOD);
            method = asked == null ? "GET" : asked;
        }
        return rest.startsWith("rpi/") || rest.equals("rpi") || rest.startsWith("ppi/subject")
                || (rest.startsWith("ltv/") && !method.equals("POST"));
    }

    private FullHttpResponse malformed(Throwable cause) {
        if (cause instanceof TooLongHttpLineException) {
            rejections.count("uri_too_long");
            return HttpResponses.error(HttpResponseStatus.REQUEST_URI_TOO_LONG, "uri_too_long", "request line too long");
        }
        if (cause instanceof TooLongHttpHeaderException) {
            rejections.count("headers_too_large");
            return HttpResponses.error(HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "headers_too_large",
                    "request headers too large");
        }
        if (cause instanceof TooLongFrameException) {
            rejections.count("body_too_large");
            return HttpResponses.error(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, "body_too_large", "request too large");
        }
        rejections.count("malformed_request");
        return HttpResponses.error(HttpResponseStatus.BAD_REQUEST, "malformed_request",
                "malformed HTTP request: " + (cause == null ? "unknown" : cause.getMessage()));
    }

    /** Echo at most a short, printable prefix of a client path. */
    private static String sanitise(String path) {
        String p = path.length() > 200 ? path.substring(0, 200) + "…" : path;
        return p.replaceAll("[^\\x20-\\x7e]", "?");
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.atWarn().addKeyValue("remote", ctx.channel().remoteAddress()).setCause(cause).log("request failed");
        if (ctx.channel().isActive()) {
            FullHttpResponse r = HttpResponses.error(HttpResponseStatus.INTERNAL_SERVER_ERROR, "internal_error",
                    "internal error");
            r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            ResponseOrder.answerAndClose(ctx.channel(), r);
        }
    }
}
