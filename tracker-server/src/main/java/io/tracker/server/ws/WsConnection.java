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
 * gets one text answer, in frame order, once its rows are durable: {@code {"eids":[…]}} or {@code {"error":…,"code":…}};
 * a client Close is answered only after the answers of every frame before it.
 *
 * <p>Bounds, so no client can grow the server's memory: at most {@code websocket.maxInFlight} frames awaiting
 * durability or their answer — above it the connection is not read (TCP back-pressure); frames ingest refuses for now
 * (queue full) wait in order and the connection is paused; frames that still arrive while paused (what one read held)
 * beyond another {@code maxInFlight} close the connection with 1013 (try again later) — none of them was acknowledged.
 * Event-loop only.
 */
final class WsConnection extends SimpleChannelInboundHandler<WebSocketFrame> {
    private static final Logger log = LoggerFactory.getLogger(WsConnection.class);

    /** What the upgrade request says about every event of the connection. */
    record Upgrade(String query, Map<String, String> cookies, String userHeader, String userAgent, String language,
                   String ip, String host, boolean ack) {
    }

    /** A frame in answer order: its reply once known (ack mode only). */
    private static final class Pending {
        String reply;
        boolean done;
    }

    /** A frame that failed to decode, queued behind frames waiting for admission so its answer keeps its place. */
    private record Refusal(String reason, String message) {
    }

    private final WebSocketServerHandshaker handshaker;
    private final Upgrade upgrade;
    private final Ingest ingest;
    private final WebSocketConfig config;
    private final Rejections rejections;
    private final WebSocketTracker tracker;
    private final ArrayDeque<Pending> answers = new ArrayDeque<>();
    /** Frames (byte[] JSON, or a Refusal) ingest refused for now, in order: handled before any later frame. */
    private final ArrayDeque<Object> waiting = new ArrayDeque<>();
    /**
     * What may pile up while the connection is paused: about what one socket read already held decodes to (a read is
     * at most 64 KiB), more only from a client that keeps sending regardless.
     */
    private static final int MAX_WAITING_FRAMES = 8_192;
    private static final long MAX_WAITING_BYTES = 32L << 20;
    private long waitingBytes;
    private int inFlight;
    private boolean retryScheduled;
    private boolean inactive;
    private CloseWebSocketFrame closeRequested;

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
        if (closeRequested != null) {
            return; // the client said it is done: nothing after its Close counts
        }
        if (frame instanceof CloseWebSocketFrame close) {
            closeRequested = close.retain();
            ctx.channel().config().setAutoRead(false);
            closeWhenAnswered(ctx);
        } else if (frame instanceof PingWebSocketFrame) {
            ctx.writeAndFlush(new PongWebSocketFrame(frame.content().retain()));
        } else if (frame instanceof TextWebSocketFrame || frame instanceof BinaryWebSocketFrame) {
            Object item;
            byte[] bytes = ByteBufUtil.getBytes(frame.content());
            if (frame instanceof BinaryWebSocketFrame) {
                try {
                    item = Lz4Frames.decode(bytes, config.maxDecodedBytes());
                } catch (Lz4Frames.BadFrame e) {
                    item = new Refusal(e.reason, e.getMessage());
                }
            } else {
                item = bytes;
            }
            if (!waiting.isEmpty()) {
                waitingBytes += item instanceof byte[] b ? b.length : 64;
                if (waiting.size() >= MAX_WAITING_FRAMES || waitingBytes > MAX_WAITING_BYTES) {
                    // Still arriving while paused: a client that ignores back-pressure. Nothing of it was acked.
                    rejections.count("ws_overrun");
                    handshaker.close(ctx.channel(), new CloseWebSocketFrame(WebSocketCloseStatus.TRY_AGAIN_LATER));
                    return;
                }
                waiting.add(item); // behind a frame ingest refused for now: order (and answer order) is kept
                return;
            }
            handle(ctx, item);
        }
    }

    /** Admits or refuses one frame; false when ingest is full (the frame waits, the connection is paused). */
    private boolean handle(ChannelHandlerContext ctx, Object item) {
        if (item instanceof Refusal r) {
            reject(ctx, r.reason(), r.message());
            return true;
        }
        byte[] json = (byte[]) item;
        if (isBlank(json)) {
            reject(ctx, "empty_frame", "a frame must hold a JSON object (or an array of them)");
            return true;
        }
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
            ctx.channel().config().setAutoRead(false);
            scheduleRetry(ctx);
            return false;
        } catch (RuntimeException e) {
            log.atWarn().setCause(e).log("websocket frame failed");
            reject(ctx, "internal_error", "internal error");
            return true;
        }
        tracker.framesAccepted.increment();
        Pending p = track(ctx);
        stored.whenComplete((result, error) -> ctx.executor().execute(() -> {
            inFlight--;
            if (error != null) {
                rejections.count("ws_storage_error"); // not acknowledged (ack mode says so); the client may resend
            }
            if (p != null) {
                p.done = true;
                p.reply = error == null ? eids(result)
                        : "{\"error\":\"the events could not be made durable\",\"code\":\"storage_error\"}";
            }
            flushAnswers(ctx);
            resumeIfClear(ctx);
        }));
        return true;
    }

    /** Counts an admitted frame in flight; its answer slot in ack mode. */
    private Pending track(ChannelHandlerContext ctx) {
        inFlight++;
        Pending p = null;
        if (upgrade.ack()) {
            p = new Pending();
            answers.add(p);
        }
        if (inFlight + answers.size() >= config.maxInFlight()) {
            ctx.channel().config().setAutoRead(false);
        }
        return p;
    }

    private void reject(ChannelHandlerContext ctx, String reason, String message) {
        rejections.count("ws_" + reason);
        tracker.framesRejected.increment();
        if (upgrade.ack()) {
            Pending p = new Pending();
            p.done = true;
            p.reply = "{\"error\":" + quote(message) + ",\"code\":" + quote(reason) + "}";
            answers.add(p);
            if (answers.size() >= config.maxInFlight()) {
                ctx.channel().config().setAutoRead(false); // answers wait behind a frame not yet durable
            }
            flushAnswers(ctx);
        }
    }

    /** Writes the replies now known, in frame order (only with {@code ?ack=1}). */
    private void flushAnswers(ChannelHandlerContext ctx) {
        boolean wrote = false;
        while (!answers.isEmpty() && answers.peekFirst().done) {
            Pending p = answers.pollFirst();
            if (ctx.channel().isActive()) {
                ctx.write(new TextWebSocketFrame(p.reply));
                wrote = true;
            }
        }
        if (wrote) {
            ctx.flush();
        }
        closeWhenAnswered(ctx);
    }

    /** Answers a client's Close once every frame before it is answered (ack mode) or at least admitted. */
    private void closeWhenAnswered(ChannelHandlerContext ctx) {
        if (closeRequested != null && answers.isEmpty() && waiting.isEmpty() && ctx.channel().isActive()) {
            CloseWebSocketFrame close = closeRequested;
            closeRequested = null;
            handshaker.close(ctx.channel(), close);
        }
    }

    private void scheduleRetry(ChannelHandlerContext ctx) {
        if (retryScheduled || inactive) {
            return;
        }
        retryScheduled = true;
        ctx.executor().schedule(() -> {
            retryScheduled = false;
            if (inactive) {
                return;
            }
            while (!waiting.isEmpty()) {
                Object item = waiting.pollFirst();
                if (!handle(ctx, item)) {
                    return; // still full: handle() put it back and scheduled the next try
                }
                waitingBytes -= item instanceof byte[] b ? b.length : 64;
            }
            waitingBytes = 0;
            resumeIfClear(ctx);
            closeWhenAnswered(ctx);
        }, 50, TimeUnit.MILLISECONDS);
    }

    private void resumeIfClear(ChannelHandlerContext ctx) {
        if (waiting.isEmpty() && closeRequested == null && inFlight + answers.size() < config.maxInFlight()
                && !ctx.channel().config().isAutoRead()) {
            ctx.channel().config().setAutoRead(true);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        inactive = true;
        if (!waiting.isEmpty()) {
            // Never admitted, never acknowledged: the client sees its connection drop and may resend them.
            rejections.count("ws_dropped_on_close");
            log.atInfo().addKeyValue("frames", waiting.size()).log("websocket closed with frames not yet admitted");
            waiting.clear();
        }
        if (closeRequested != null) {
            closeRequested.release();
            closeRequested = null;
        }
        super.channelInactive(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof io.netty.handler.codec.TooLongFrameException
                || (cause instanceof CorruptedWebSocketFrameException c && c.closeStatus() == WebSocketCloseStatus.MESSAGE_TOO_BIG)
                || inflatedTooMuch(cause)) { // the permessage-deflate bound
            rejections.count("ws_frame_too_large");
            handshaker.close(ctx.channel(), new CloseWebSocketFrame(WebSocketCloseStatus.MESSAGE_TOO_BIG));
            return;
        }
        if (cause instanceof CorruptedWebSocketFrameException || cause instanceof io.netty.handler.codec.DecoderException) {
            rejections.count("ws_protocol_error");
            handshaker.close(ctx.channel(), new CloseWebSocketFrame(WebSocketCloseStatus.PROTOCOL_ERROR));
            return;
        }
        log.atWarn().addKeyValue("remote", ctx.channel().remoteAddress()).addKeyValue("error", cause.toString())
                .log("websocket failed");
        ctx.close();
    }

    private static boolean inflatedTooMuch(Throwable cause) {
        for (Throwable t = cause; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof io.netty.handler.codec.compression.DecompressionException
                    && String.valueOf(t.getMessage()).toLowerCase(java.util.Locale.ROOT).contains("maximum")) {
                return true;
            }
        }
        return false;
    }

    private static boolean isBlank(byte[] json) {
        for (byte b : json) {
            if (b != ' ' && b != '\t' && b != '\n' && b != '\r') {
                return false;
            }
        }
        return true;
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
