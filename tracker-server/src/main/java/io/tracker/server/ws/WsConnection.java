package io.tracker.server.ws;

import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshaker;
import io.tracker.core.batch.QueueFullException;
import io.tracker.core.config.WebSocketConfig;
import io.tracker.core.pipeline.BadRequestException;
import io.tracker.core.pipeline.HitRequest;
import io.tracker.core.pipeline.Ingest;
import io.tracker.core.pipeline.Route;
import io.tracker.server.http.Rejections;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One WebSocket connection: every data frame becomes events through the same pipeline and durability as the HTTP
 * routes. A bad frame is counted by reason and skipped; the connection stays open. With {@code ?ack=1} every frame
 * gets one text answer, in frame order, once its rows are durable: {@code {"eids":[…]}} or {@code {"error":…,"code":…}}.
 * Over {@code websocket.maxInFlight} frames awaiting durability, or when ingest is full, the connection stops being
 * read — TCP back-pressure, never a dropped frame. Event-loop only.
 */
final class WsConnection extends SimpleChannelInboundHandler<WebSocketFrame> {
    private static final Logger log = LoggerFactory.getLogger(WsConnection.class);

    /** What the upgrade request says about every event of the connection. */
    record Upgrade(String query, Map<String, String> cookies, String userHeader, String userAgent, String language,
                   String ip, String host, boolean ack) {
    }

    /** A frame in answer order: its reply once known. */
    private static final class Pending {
        String reply;
        boolean done;
    }

    private final WebSocketServerHandshaker handshaker;
    private final Upgrade upgrade;
    private final Ingest ingest;
    private final WebSocketConfig config;
    private final Rejections rejections;
    private final WebSocketTracker tracker;
    private final ArrayDeque<Pending> answers = new ArrayDeque<>();
    /** Frames refused for now (ingest full), in order: admitted before any later frame. */
    private final ArrayDeque<byte[]> waiting = new ArrayDeque<>();
    private int inFlight;
    private boolean retryScheduled;

    WsConnection(WebSocketServerHandshaker handshaker, Upgrade upgrade, Ingest ingest, WebSocketConfig config,
                 Rejections rejections, WebSocketTracker tracker) {
        this.handshaker = handshaker;
        this.upgrade = upgrade;
        this.ingest = ingest;
        this.config = config;
        this.rejections = rejections;
        this.tracker = tracker;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, WebSocketFrame frame) {
        if (frame instanceof CloseWebSocketFrame close) {
            handshaker.close(ctx.channel(), close.retain());
        } else if (frame instanceof PingWebSocketFrame) {
            ctx.writeAndFlush(new PongWebSocketFrame(frame.content().retain()));
        } else if (frame instanceof PongWebSocketFrame) {
            return;
        } else if (frame instanceof TextWebSocketFrame || frame instanceof BinaryWebSocketFrame) {
            byte[] bytes = ByteBufUtil.getBytes(frame.content());
            if (frame instanceof BinaryWebSocketFrame) {
                try {
                    bytes = Lz4Frames.decode(bytes, config.maxDecodedBytes());
                } catch (Lz4Frames.BadFrame e) {
                    reject(ctx, e.reason, e.getMessage());
                    return;
                }
            }
            submit(ctx, bytes);
        }
    }

    private void submit(ChannelHandlerContext ctx, byte[] json) {
        if (!waiting.isEmpty()) {
            waiting.add(json); // behind a frame ingest refused for now: order is kept
            return;
        }
        admit(ctx, json);
    }

    /** Admits {@code json}; false when ingest is full (the frame waits, the connection is paused). */
    private boolean admit(ChannelHandlerContext ctx, byte[] json) {
        HitRequest hit = new HitRequest(Route.WEBSOCKET, "POST", "", upgrade.query(), json, upgrade.cookies(),
                upgrade.userHeader(), upgrade.userAgent(), upgrade.language(), upgrade.ip(), upgrade.host());
        CompletableFuture<Ingest.IngestResult> stored;
        try {
            stored = ingest.ingest(hit);
        } catch (BadRequestException e) {
            reject(ctx, e.reason(), e.getMessage());
            return true;
        } catch (QueueFullException e) {
            waiting.addFirst(json);
            pause(ctx);
            scheduleRetry(ctx);
            return false;
        }
        tracker.framesAccepted.increment();
        Pending p = new Pending();
        answers.add(p);
        inFlight++;
        if (inFlight >= config.maxInFlight()) {
            pause(ctx);
        }
        stored.whenComplete((result, error) -> ctx.executor().execute(() -> {
            inFlight--;
            p.done = true;
            p.reply = error == null ? eids(result) : "{\"error\":\"the events could not be made durable\",\"code\":\"storage_error\"}";
            flushAnswers(ctx);
            resumeIfClear(ctx);
        }));
        return true;
    }

    private void reject(ChannelHandlerContext ctx, String reason, String message) {
        rejections.count("ws_" + reason);
        tracker.framesRejected.increment();
        Pending p = new Pending();
        p.done = true;
        p.reply = "{\"error\":" + quote(message) + ",\"code\":" + quote(reason) + "}";
        answers.add(p);
        flushAnswers(ctx);
    }

    /** Writes the replies now known, in frame order (only with {@code ?ack=1}). */
    private void flushAnswers(ChannelHandlerContext ctx) {
        boolean wrote = false;
        while (!answers.isEmpty() && answers.peekFirst().done) {
            Pending p = answers.pollFirst();
            if (upgrade.ack() && ctx.channel().isActive()) {
                ctx.write(new TextWebSocketFrame(p.reply));
                wrote = true;
            }
        }
        if (wrote) {
            ctx.flush();
        }
    }

    private void scheduleRetry(ChannelHandlerContext ctx) {
        if (retryScheduled) {
            return;
        }
        retryScheduled = true;
        ctx.executor().schedule(() -> {
            retryScheduled = false;
            while (!waiting.isEmpty()) {
                if (!admit(ctx, waiting.pollFirst())) {
                    return; // still full: admit() put it back and scheduled the next try
                }
            }
            resumeIfClear(ctx);
        }, 50, TimeUnit.MILLISECONDS);
    }

    private static void pause(ChannelHandlerContext ctx) {
        ctx.channel().config().setAutoRead(false);
    }

    private void resumeIfClear(ChannelHandlerContext ctx) {
        if (waiting.isEmpty() && inFlight < config.maxInFlight() && !ctx.channel().config().isAutoRead()) {
            ctx.channel().config().setAutoRead(true);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof CorruptedWebSocketFrameException
                || cause instanceof io.netty.handler.codec.TooLongFrameException) {
            rejections.count("ws_frame_too_large");
            handshaker.close(ctx.channel(), new CloseWebSocketFrame(WebSocketCloseStatus.MESSAGE_TOO_BIG));
            return;
        }
        log.atWarn().addKeyValue("remote", ctx.channel().remoteAddress()).setCause(cause).log("websocket failed");
        ctx.close();
    }

    private static String eids(Ingest.IngestResult result) {
        StringBuilder b = new StringBuilder("{\"eids\":[");
        for (int i = 0; i < result.eids().size(); i++) {
            UUID id = result.eids().get(i);
            b.append(i == 0 ? "\"" : ",\"").append(id).append('"');
        }
        return b.append("]}").toString();
    }

    private static String quote(String s) {
        return "\"" + new String(com.fasterxml.jackson.core.io.JsonStringEncoder.getInstance()
                .quoteAsString(s == null ? "" : s)) + "\"";
    }
}
