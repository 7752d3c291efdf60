package io.tracker.server.http;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.util.AttributeKey;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Slow-client guard: from the first byte of a request, the whole request (headers and body) must
 * arrive within {@code server.requestTimeoutSeconds}, else 408 and close. Sits before the HTTP codec;
 * the router disarms it once a complete request is in hand. (An idle-only timeout would let a client
 * trickle one byte per interval forever.)
 */
public final class RequestDeadline extends ChannelInboundHandlerAdapter {
    private static final AttributeKey<ScheduledFuture<?>> TIMER = AttributeKey.valueOf("tracker.requestDeadline");
    private static final AttributeKey<Boolean> PAUSED = AttributeKey.valueOf("tracker.requestDeadlinePaused");

    private final long timeoutMillis;
    private final Rejections rejections;

    public RequestDeadline(long timeoutMillis, Rejections rejections) {
        this.timeoutMillis = timeoutMillis;
        this.rejections = rejections;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        Channel ch = ctx.channel();
        if (ch.attr(TIMER).get() == null && !Boolean.TRUE.equals(ch.attr(PAUSED).get())) {
            ch.attr(TIMER).set(ctx.executor().schedule(() -> expire(ch), timeoutMillis, TimeUnit.MILLISECONDS));
        }
        super.channelRead(ctx, msg);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        disarm(ctx.channel());
        super.channelInactive(ctx);
    }

    /** A whole request arrived: stop the clock until the next one starts. */
    static void disarm(Channel ch) {
        ScheduledFuture<?> f = ch.attr(TIMER).getAndSet(null);
        if (f != null) {
            f.cancel(false);
        }
    }

    /**
     * A relayed body is streaming (the proxy): its reads are paced by the relay and bounded by the proxy's own timeouts,
     * so they do not start this clock; resumed (and disarmed) once the body has ended.
     */
    static void pause(Channel ch, boolean paused) {
        ch.attr(PAUSED).set(paused);
        disarm(ch);
    }

    private void expire(Channel ch) {
        if (ch.attr(TIMER).getAndSet(null) == null || !ch.isActive()) {
            return;
        }
        rejections.count("request_timeout");
        var response = HttpResponses.error(HttpResponseStatus.REQUEST_TIMEOUT, "request_timeout",
                "request not received in full within " + timeoutMillis + " ms");
        response.headers().set("connection", "close");
        ResponseOrder.answerAndClose(ch, response); // after the answers of earlier pipelined requests
    }
}
