package io.tracker.server.http;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.AttributeKey;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Bounds open connections (spec §1.3, {@code server.maxConnections}). The connection above the bound
 * is not dropped silently: it is marked, its first request answered 503 with Retry-After, then closed.
 */
@ChannelHandler.Sharable
public final class ConnectionLimiter extends ChannelInboundHandlerAdapter {
    static final AttributeKey<Boolean> OVER_LIMIT = AttributeKey.valueOf("tracker.overLimit");

    private final int max;
    private final AtomicInteger open = new AtomicInteger();

    public ConnectionLimiter(int max) {
        this.max = max;
    }

    public int openConnections() {
        return open.get();
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        if (open.incrementAndGet() > max) {
            ctx.channel().attr(OVER_LIMIT).set(Boolean.TRUE);
        }
        super.channelActive(ctx);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        open.decrementAndGet();
        super.channelInactive(ctx);
    }

    static boolean isOverLimit(io.netty.channel.Channel ch) {
        return Boolean.TRUE.equals(Transport.connection(ch).attr(OVER_LIMIT).get());
    }
}
