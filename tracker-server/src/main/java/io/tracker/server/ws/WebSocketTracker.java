package io.tracker.server.ws;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshakerFactory;
import io.netty.handler.timeout.IdleStateHandler;
import io.tracker.core.config.TrackingConfig;
import io.tracker.core.config.WebSocketConfig;
import io.tracker.core.pipeline.EventIds;
import io.tracker.core.pipeline.Ingest;
import io.tracker.server.http.ClientAddress;
import io.tracker.server.http.Rejections;
import io.tracker.server.http.TrackHandler;
import io.tracker.server.http.VidCookie;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * {@code /tr/v1/ws} (spec §2.7, §13): answers the upgrade and hands the connection to a {@link WsConnection}, which
 * turns every data frame into events — text frames as JSON, binary frames as the Go client's size-prepended LZ4
 * blocks. The upgrade request's cookies, query and headers describe every event of the connection. permessage-deflate
 * is negotiated by the compression handler the initializer installs.
 */
public final class WebSocketTracker {
    static final String PATH = "/tr/v1/ws";

    private final Ingest ingest;
    private final ClientAddress address;
    private final WebSocketConfig config;
    private final TrackingConfig tracking;
    private final Rejections rejections;
    private final Set<String> origins;
    private final EventIds ids = new EventIds();
    final Counter framesAccepted;
    final Counter framesRejected;

    private final long defaultConsent;

    public WebSocketTracker(Ingest ingest, ClientAddress address, WebSocketConfig config, TrackingConfig tracking,
                            long defaultConsent, Rejections rejections, MeterRegistry registry) {
        this.defaultConsent = defaultConsent;
        this.ingest = ingest;
        this.address = address;
        this.config = config;
        this.tracking = tracking;
        this.rejections = rejections;
        this.origins = config.allowedOrigins().stream().map(o -> o.toLowerCase(Locale.ROOT)).collect(Collectors.toSet());
        this.framesAccepted = Counter.builder("tracker.ws.frames").tag("outcome", "accepted")
                .description("WebSocket frames turned into events").register(registry);
        this.framesRejected = Counter.builder("tracker.ws.frames").tag("outcome", "rejected")
                .description("WebSocket frames skipped (bad LZ4, bad JSON, …), counted by reason in tracker_rejected")
                .register(registry);
    }

    /**
     * Declares {@code /tr/v1/ws}: an upgrade from an allowed origin takes the connection over; any other GET is a 400
     * (403 for a page of an origin {@code websocket.allowedOrigins} does not list).
     */
    public io.tracker.server.http.Routes.Builder register(io.tracker.server.http.Routes.Builder table) {
        return table.exact(PATH).methods("GET").upgrade(new io.tracker.server.http.Routes.Upgrade() {
            @Override
            public boolean wants(io.tracker.server.http.HttpCall call) {
                return call.method().equals("GET") && isUpgrade(call.request().headers())
                        && originAllowed(call.request().headers());
            }

            @Override
            public void takeOver(ChannelHandlerContext ctx, FullHttpRequest request) {
                upgrade(ctx, request);
            }
        }).to((call, rest) -> {
            if (isUpgrade(call.request().headers()) && !originAllowed(call.request().headers())) {
                throw io.tracker.server.http.ApiError.forbidden("ws_origin",
                        "pages of this origin may not connect (websocket.allowedOrigins)");
            }
            throw io.tracker.server.http.ApiError.badRequest("not_websocket",
                    "GET /tr/v1/ws with Upgrade: websocket (ws:// or wss://) is required");
        });
    }

    public static boolean isUpgrade(HttpHeaders h) {
        return h.containsValue(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE, true)
                && h.contains(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET, true);
    }

    /** Whether a page of this origin may connect (no Origin: not a browser, allowed). */
    public boolean originAllowed(HttpHeaders h) {
        String origin = h.get(HttpHeaderNames.ORIGIN);
        return origins.isEmpty() || origin == null || origins.contains(origin.toLowerCase(Locale.ROOT));
    }

    /**
     * Takes the connection over: the handshake answers 101 (with a {@code vid} cookie when the browser has none, so
     * every event of the connection shares one visitor), the HTTP handlers give way to the WebSocket ones.
     */
    public void upgrade(ChannelHandlerContext ctx, FullHttpRequest request) {
        HttpHeaders h = request.headers();
        String key = h.get(HttpHeaderNames.SEC_WEBSOCKET_KEY);
        if (key == null || key.isBlank() || !"13".equals(h.get(HttpHeaderNames.SEC_WEBSOCKET_VERSION))) {
            // Checked before the pipeline changes: a broken handshake is a plain 400, not a half-switched connection.
            io.netty.handler.codec.http.FullHttpResponse r = rejections.answer(io.tracker.server.http.ApiError.badRequest(
                    "ws_bad_handshake", "a WebSocket upgrade needs Sec-WebSocket-Key and Sec-WebSocket-Version: 13")
                    .withHeader(HttpHeaderNames.SEC_WEBSOCKET_VERSION, "13"));
            r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            ctx.writeAndFlush(r).addListener(io.netty.channel.ChannelFutureListener.CLOSE);
            return;
        }
        String host = h.get(HttpHeaderNames.HOST, "localhost");
        WebSocketServerHandshakerFactory factory = new WebSocketServerHandshakerFactory(
                "ws://" + host + PATH, null, true, config.maxFrameBytes());
        WebSocketServerHandshaker handshaker = factory.newHandshaker(request);
        if (handshaker == null) {
            WebSocketServerHandshakerFactory.sendUnsupportedVersionResponse(ctx.channel());
            return;
        }
        QueryStringDecoder q = new QueryStringDecoder(request.uri());
        boolean ack = q.parameters().containsKey("ack") && !List.of("0", "false").contains(q.parameters().get("ack").get(0));
        Map<String, String> cookies = new HashMap<>(TrackHandler.cookiesOf(h));
        HttpHeaders extra = new DefaultHttpHeaders();
        if (!cookies.containsKey("vid")) {
            // One visitor for every event of the connection (frames that carry their own vid keep it). The cookie is
            // only offered with the analytics consent bit, as the HTTP routes do.
            UUID vid = ids.next();
            cookies.put("vid", vid.toString());
            if ((consent(cookies) & io.tracker.core.config.PrivacyConfig.ANALYTICS) != 0) {
                extra.add(HttpHeaderNames.SET_COOKIE, VidCookie.encode(vid, tracking, address.secure(ctx.channel(), h)));
            }
        }
        WsConnection.Upgrade context = new WsConnection.Upgrade(withoutAck(q.rawQuery()), Map.copyOf(cookies),
                h.get("User"), h.get(HttpHeaderNames.USER_AGENT), h.get(HttpHeaderNames.ACCEPT_LANGUAGE),
                address.ip(ctx.channel(), h), address.host(ctx.channel(), h), ack);
        ChannelPipeline p = ctx.pipeline();
        if (p.get("deadline") != null) {
            p.remove("deadline"); // that clock is for HTTP requests arriving whole
        }
        if (p.get("idle") != null) {
            p.replace("idle", "idle", new IdleStateHandler(config.idleTimeoutSeconds(), 0, 0, TimeUnit.SECONDS));
        }
        p.replace(ctx.name(), "ws", new WsConnection(handshaker, context, ingest, config, rejections, this));
        p.addBefore("ws", "ws-aggregate", new WebSocketFrameAggregator(config.maxFrameBytes()));
        handshaker.handshake(ctx.channel(), request, extra, ctx.channel().newPromise());
    }

    private long consent(Map<String, String> cookies) {
        Long c = io.tracker.core.pipeline.steps.CookieStep.consent(cookies);
        return c == null ? defaultConsent : c;
    }

    /** The upgrade query without {@code ack}, which is about the connection, not an event field. */
    private static String withoutAck(String raw) {
        if (raw == null || raw.isEmpty()) {
            return null;
        }
        StringBuilder b = new StringBuilder();
        for (String part : raw.split("&")) {
            if (part.equals("ack") || part.startsWith("ack=")) {
                continue;
            }
            b.append(b.length() == 0 ? "" : "&").append(part);
        }
        return b.length() == 0 ? null : b.toString();
    }
}
