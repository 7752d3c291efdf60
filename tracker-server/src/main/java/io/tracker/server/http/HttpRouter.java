package io.tracker.server.http;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Dispatches complete requests through the {@link Routes} table and writes the answers, in request order, with CORS
 * and keep-alive handling: 404, 405 + {@code Allow}, preflights, rate limits and the admin origin check are decided
 * here from what each route declares. Malformed requests are answered here with a JSON reason.
 */
@ChannelHandler.Sharable
public final class HttpRouter extends SimpleChannelInboundHandler<FullHttpRequest> {
    private static final Logger log = LoggerFactory.getLogger(HttpRouter.class);

    private final Routes routes;
    private final Cors cors;
    private final Rejections rejections;
    private final RateLimiter limiter;
    private final ClientAddress address;

    public HttpRouter(Routes routes, RateLimiter limiter, ClientAddress address, Cors cors, Rejections rejections) {
        this.routes = routes;
        this.limiter = limiter;
        this.address = address;
        this.cors = cors;
        this.rejections = rejections;
    }

    private volatile java.util.function.IntSupplier httpsPort;
    private volatile java.util.function.BooleanSupplier tlsReady = () -> true;
    private volatile String hsts;

    /**
     * With TLS on: plain-HTTP requests to routes not marked {@link Routes.RouteBuilder#plainHttp} get a 308 to the
     * same path and query on {@code https://<host>:<port>} ({@code redirect}); TLS answers carry HSTS when
     * {@code hstsSeconds > 0}. Set before the listeners bind.
     */
    public HttpRouter withTls(java.util.function.IntSupplier httpsPort, java.util.function.BooleanSupplier ready,
                              boolean redirect, long hstsSeconds, boolean hstsSubdomains) {
        this.httpsPort = redirect ? httpsPort : null;
        this.tlsReady = ready;
        this.hsts = hstsSeconds > 0 ? "max-age=" + hstsSeconds + (hstsSubdomains ? "; includeSubDomains" : "") : null;
        return this;
    }

    /** Whether a plain-HTTP request is sent to https: redirecting is on and the TLS listener has a certificate. */
    private boolean redirects(Channel ch) {
        return httpsPort != null && !Transport.isTls(ch) && tlsReady.getAsBoolean();
    }

    public Routes routes() {
        return routes;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        RequestDeadline.disarm(ctx.channel());
        ResponseOrder order = ResponseOrder.of(ctx.channel());
        boolean malformed = !request.decoderResult().isSuccess();
        HttpCall call = malformed ? null : HttpCall.of(ctx.channel(), request);
        Routes.Match match = malformed ? null : routes.match(call.path());
        if (match != null && match.route().upgrade() != null && order.idle()
                && !redirects(ctx.channel()) && match.route().upgrade().wants(call)
                && !ConnectionLimiter.isOverLimit(ctx.channel()) && rateLimit(match.route(), call) == null) {
            // (refused, it goes through the routing below, which answers 503, 429 or the route's own 4xx)
            match.route().upgrade().takeOver(ctx, request); // the connection speaks another protocol from here on
            return;
        }
        boolean overLimit = ConnectionLimiter.isOverLimit(ctx.channel()); // answered 503, then closed
        boolean close = malformed || overLimit || !HttpUtil.isKeepAlive(request);
        long seq = order.begin(ctx.channel(), close);
        if (seq < 0) {
            return; // after the connection's last request: never run (a smuggled request would be one)
        }
        if (malformed) {
            order.complete(ctx.channel(), seq, finish(ctx, request, malformed(request.decoderResult().cause()), false, true), true);
            return;
        }
        boolean admin = match != null && match.route().access().admin(askedMethod(request));
        CompletableFuture<FullHttpResponse> called;
        try {
            called = overLimit
                    ? rejections.refuse(ApiError.overConnectionLimit())
                    : route(call, match);
        } catch (ApiError e) {
            called = rejections.refuse(e);
        } catch (RuntimeException e) {
            // Answered in this request's own place: a 500 under a new number would wait behind it forever.
            log.atWarn().setCause(e).log("request failed");
            called = rejections.refuse(ApiError.internal());
        }
        CompletableFuture<FullHttpResponse> pending = called;
        if (pending.isDone()) {
            send(ctx, order, seq, finish(ctx, request, answer(pending), admin, close), close, request.protocolVersion());
            return;
        }
        // Durable modes answer later, from the WAL or writer thread: back on the event loop, in request order.
        request.retain();
        pending.whenComplete((response, error) -> {
            try {
                ctx.executor().execute(() -> {
                    try {
                        send(ctx, order, seq, finish(ctx, request, answer(pending), admin, close), close, request.protocolVersion());
                    } finally {
                        request.release();
                    }
                });
            } catch (java.util.concurrent.RejectedExecutionException stopped) {
                request.release(); // the event loop is gone: the client gets no answer, so no ack
            }
        });
    }

    /** Writes an answer in its turn: a whole one, or the head of a streamed one, whose body then follows. */
    private static void send(ChannelHandlerContext ctx, ResponseOrder order, long seq, FullHttpResponse response,
                             boolean close, io.netty.handler.codec.http.HttpVersion version) {
        if (response instanceof StreamedAnswer streamed) {
            Channel ch = ctx.channel();
            ch.closeFuture().addListener(f -> streamed.abandon()); // (no-op once it started)
            order.awaitTurn(ch, seq, () -> streamed.start(ch, close, version,
                    closeAfter -> order.streamed(ch, seq, closeAfter)));
            return;
        }
        order.complete(ctx.channel(), seq, response, close);
    }

    /** The answer of a completed service call: an {@link ApiError} it failed with is rendered, anything else is a 500. */
    private FullHttpResponse answer(CompletableFuture<FullHttpResponse> done) {
        try {
            return done.join();
        } catch (java.util.concurrent.CompletionException | java.util.concurrent.CancellationException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            if (cause instanceof ApiError api) {
                return rejections.answer(api);
            }
            log.atWarn().setCause(cause).log("request failed");
            return rejections.answer(ApiError.internal());
        }
    }

    private CompletableFuture<FullHttpResponse> route(HttpCall call, Routes.Match match) {
        CompletableFuture<FullHttpResponse> refused = refusal(call, match);
        if (refused != null) {
            return refused;
        }
        if (match == null) {
            return routes.fallback(call.path()).answer(call, call.path());
        }
        return match.route().service().answer(call, match.rest());
    }

    /**
     * What the table itself answers for {@code call} — 404, a redirect to https, 429, a preflight, 405, the admin
     * origin check — or null when the route's service (or the fallback) is to answer it.
     */
    private CompletableFuture<FullHttpResponse> refusal(HttpCall call, Routes.Match match) {
        if (redirects(call.channel()) && (match == null || !match.route().plainHttp())) {
            return CompletableFuture.completedFuture(toHttps(call)); // short links too: they set cookies
        }
        if (match == null) {
            Routes.Service fallback = routes.fallback(call.path());
            if (fallback != null && (call.method().equals("GET") || call.method().equals("HEAD"))) {
                ApiError limited = rateLimit(null, call);
                return limited != null ? rejections.refuse(limited) : null;
            }
            return rejections.refuse(ApiError.notFound("not_found", "no route for " + sanitise(call.path())));
        }
        Routes.Route route = match.route();
        ApiError limited = rateLimit(route, call);
        if (limited != null) {
            return rejections.refuse(limited);
        }
        if (call.method().equals("OPTIONS") && route.cors()) {
            // A page of admin.allowedOrigins may send Authorization to any business route (an LTV refund, say).
            boolean admin = route.access() != Routes.Access.TRACKING && (route.access().admin(askedMethod(call.request()))
                    || cors.fromAdminOrigin(call.request().headers()));
            return CompletableFuture.completedFuture(cors.preflight(admin));
        }
        if (!route.methods().contains(call.method())) {
            return rejections.refuse(ApiError.methodNotAllowed(call.method(), route.display(), route.allow()));
        }
        if (route.access() != Routes.Access.TRACKING) {
            boolean admin = route.access().admin(call.method())
                    || call.request().headers().contains(HttpHeaderNames.AUTHORIZATION);
            if (admin && !cors.adminRequestAllowed(call.request().headers(), call.method(), call.path())) {
                return rejections.refuse(ApiError.forbidden("cross_origin", "admin routes refuse requests from web pages "
                        + "of other origins (admin.allowedOrigins lists the ones allowed)"));
            }
        }
        return null;
    }

    // ---- relayed (streamed) requests: the reverse proxy ----

    private static final io.netty.util.AttributeKey<Routes.Body> BODY = io.netty.util.AttributeKey.valueOf("tracker.relayBody");

    /** The body of a request that was answered without its relay: dropped as it arrives. */
    private static final Routes.Body DISCARD = new Routes.Body() {
        @Override
        public void content(HttpContent content) {
            content.release();
        }

        @Override
        public void abort() {
        }
    };

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        if (msg instanceof FullHttpRequest full && (!full.decoderResult().isSuccess()
                || !routes.streamed(HttpCall.path(full.uri())))) {
            super.channelRead(ctx, msg); // aggregated: channelRead0
        } else if (msg instanceof HttpRequest head) {
            relayStart(ctx, head);
            if (msg instanceof FullHttpRequest full) { // h2 streams that end with their headers arrive whole
                relayBody(ctx, new io.netty.handler.codec.http.DefaultLastHttpContent(full.content(),
                        full.trailingHeaders()));
            }
        } else if (msg instanceof HttpContent piece) {
            relayBody(ctx, piece);
        } else {
            ctx.fireChannelRead(msg);
        }
    }

    private void relayStart(ChannelHandlerContext ctx, HttpRequest head) {
        RequestDeadline.disarm(ctx.channel());
        Channel ch = ctx.channel();
        ResponseOrder order = ResponseOrder.of(ch);
        boolean malformed = !head.decoderResult().isSuccess();
        boolean overLimit = ConnectionLimiter.isOverLimit(ch);
        boolean close = malformed || overLimit || !HttpUtil.isKeepAlive(head);
        long seq = order.begin(ch, close);
        if (seq < 0) {
            ch.attr(BODY).set(DISCARD);
            return;
        }
        FullHttpRequest view = new DefaultFullHttpRequest(head.protocolVersion(), head.method(), head.uri(),
                Unpooled.EMPTY_BUFFER, head.headers(), EmptyHttpHeaders.INSTANCE);
        HttpCall call = HttpCall.of(ch, view);
        CompletableFuture<FullHttpResponse> refused;
        if (malformed) {
            refused = CompletableFuture.completedFuture(malformed(head.decoderResult().cause()));
        } else if (overLimit) {
            refused = rejections.refuse(ApiError.overConnectionLimit());
        } else if (!head.uri().startsWith("/")) {
            // Never a forward proxy: the upstream is proxy.url, whatever a request target names.
            refused = rejections.refuse(ApiError.badRequest("absolute_form",
                    "request targets here are paths; this is no forward proxy"));
        } else if (escapes(call.path())) {
            // An upstream that normalises /api/../x would serve a path outside the relayed prefix.
            refused = rejections.refuse(ApiError.badRequest("bad_path",
                    "dot segments, encoded slashes and backslashes are not relayed"));
        } else {
            try {
                refused = refusal(call, routes.match(call.path()));
            } catch (RuntimeException e) {
                log.atWarn().setCause(e).log("relay refused");
                refused = rejections.refuse(ApiError.internal());
            }
        }
        if (refused != null) {
            // A body still to come is not read just to be dropped: the connection ends with this answer.
            boolean body = HttpUtil.getContentLength(head, 0L) > 0 || HttpUtil.isTransferEncodingChunked(head);
            order.complete(ch, seq, finish(ctx, view, answer(refused), false, close || body), close || body);
            ch.attr(BODY).set(DISCARD);
            return;
        }
        Routes.Match match = routes.match(call.path());
        try {
            Routes.Body body = match.route().relay().open(new StreamedExchange(ctx, call, seq, order, close, hsts,
                    rejections));
            ch.attr(BODY).set(body);
            body.start();
        } catch (RuntimeException e) {
            log.atWarn().setCause(e).log("relay failed to start");
            order.complete(ch, seq, finish(ctx, view, rejections.answer(ApiError.internal()), false, true), true);
            ch.attr(BODY).set(DISCARD);
        }
    }

    /** Whether a raw path holds a dot segment (also percent-encoded), an encoded slash or a backslash. */
    static boolean escapes(String rawPath) {
        String p = rawPath.toLowerCase(java.util.Locale.ROOT);
        if (p.contains("%2f") || p.contains("%5c") || p.contains("\\") || p.contains("%00")) {
            return true;
        }
        for (String segment : p.split("/", -1)) {
            String s = segment.replace("%2e", ".");
            if (s.equals(".") || s.equals("..")) {
                return true;
            }
        }
        return false;
    }

    private void relayBody(ChannelHandlerContext ctx, HttpContent piece) {
        Routes.Body body = ctx.channel().attr(BODY).get();
        if (body == null) {
            piece.release(); // no relayed request is open
            return;
        }
        if (piece instanceof LastHttpContent) {
            ctx.channel().attr(BODY).set(null);
        }
        body.content(piece);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        Routes.Body body = ctx.channel().attr(BODY).getAndSet(null);
        if (body != null) {
            body.abort();
        }
        super.channelInactive(ctx);
    }

    /**
     * 308 (the method and body are kept, unlike 301/302) to the same path and query over TLS. The host is the one the
     * client asked for, checked to be a host name or IP literal, so the redirect can never point anywhere else.
     */
    private FullHttpResponse toHttps(HttpCall call) {
        String host = hostOnly(call.request().headers().get(HttpHeaderNames.HOST));
        if (host == null) {
            return rejections.answer(ApiError.badRequest("bad_host", "a Host header naming this server is required"));
        }
        int port = httpsPort.getAsInt();
        String target = "https://" + host + (port == 443 ? "" : ":" + port) + call.path()
                + (call.rawQuery() == null ? "" : "?" + call.rawQuery());
        FullHttpResponse r = HttpResponses.empty(HttpResponseStatus.PERMANENT_REDIRECT);
        r.headers().set(HttpHeaderNames.LOCATION, target);
        return r;
    }

    /** The host of a Host header without its port, or null when it is not a host name or IP literal. */
    public static String hostOnly(String header) {
        if (header == null || header.isEmpty() || header.length() > 255) {
            return null;
        }
        String host = header;
        if (host.startsWith("[")) {
            int end = host.indexOf(']');
            if (end < 0 || io.tracker.core.config.Cidr.literal(host.substring(1, end)) == null) {
                return null;
            }
            String after = host.substring(end + 1);
            return after.isEmpty() || after.matches(":[0-9]{1,5}") ? host.substring(0, end + 1) : null;
        }
        int colon = host.indexOf(':');
        if (colon >= 0) {
            if (!host.substring(colon).matches(":[0-9]{1,5}")) {
                return null;
            }
            host = host.substring(0, colon);
        }
        return host.matches("(?i)[a-z0-9]([a-z0-9-]*[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*\\.?") ? host : null;
    }

    /** The refusal when the caller's address is over its limit, or null ({@code route} null: the fallback). */
    private ApiError rateLimit(Routes.Route route, HttpCall call) {
        if ((route != null && !route.limited()) || limiter == null || !limiter.enabled()) {
            return null;
        }
        RateLimiter.Decision d = limiter.check(address.ip(call.channel(), call.request().headers()));
        return d.allowed() ? null : ApiError.tooManyRequests("the " + d.limit() + " request limit for this address is reached",
                d.retryAfterSeconds());
    }

    /** The method a request is judged by: a preflight's is the one it asks for. */
    private static String askedMethod(FullHttpRequest request) {
        String method = request.method().name();
        if (method.equals("OPTIONS")) {
            String asked = request.headers().get(HttpHeaderNames.ACCESS_CONTROL_REQUEST_METHOD);
            return asked == null ? "GET" : asked;
        }
        return method;
    }

    /** CORS, HEAD and connection headers of the response to {@code request}. */
    private FullHttpResponse finish(ChannelHandlerContext ctx, FullHttpRequest request, FullHttpResponse response,
                                    boolean admin, boolean close) {
        cors.decorate(request.headers(), response, admin);
        if (hsts != null && Transport.isTls(ctx.channel())) {
            response.headers().set("Strict-Transport-Security", hsts);
        }
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

    private FullHttpResponse malformed(Throwable cause) {
        if (cause instanceof TooLongHttpLineException) {
            return rejections.answer(ApiError.of(HttpResponseStatus.REQUEST_URI_TOO_LONG, "uri_too_long", "request line too long"));
        }
        if (cause instanceof TooLongHttpHeaderException) {
            return rejections.answer(ApiError.of(HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "headers_too_large",
                    "request headers too large"));
        }
        if (cause instanceof TooLongFrameException) {
            return rejections.answer(ApiError.of(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, "body_too_large", "request too large"));
        }
        return rejections.answer(ApiError.badRequest("malformed_request",
                "malformed HTTP request: " + (cause == null ? "unknown" : cause.getMessage())));
    }

    /** Echo at most a short, printable prefix of a client path. */
    static String sanitise(String path) {
        String p = path.length() > 200 ? path.substring(0, 200) + "…" : path;
        return p.replaceAll("[^\\x20-\\x7e]", "?");
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof java.io.IOException) {
            // The peer reset or broke the connection (a load balancer's health check does that every second): no answer
            // can reach it, and it is no server fault worth a warning.
            log.atDebug().addKeyValue("remote", ctx.channel().remoteAddress()).addKeyValue("error", cause.toString())
                    .log("connection lost");
            ctx.close();
            return;
        }
        log.atWarn().addKeyValue("remote", ctx.channel().remoteAddress()).setCause(cause).log("request failed");
        if (ctx.channel().isActive() && !ResponseOrder.of(ctx.channel()).idle()) {
            ctx.close(); // a request is mid-way: an answer queued behind it might never go out
        } else if (ctx.channel().isActive()) {
            FullHttpResponse r = rejections.answer(ApiError.internal());
            r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            ResponseOrder.answerAndClose(ctx.channel(), r);
        }
    }
}
