package io.tracker.server.http;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.websocketx.extensions.compression.WebSocketServerCompressionHandler;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.tracker.core.config.ServerConfig;
import java.util.concurrent.TimeUnit;

/** Builds each connection's pipeline: limits first, then HTTP decoding, aggregation and routing. */
public final class HttpInitializer extends ChannelInitializer<SocketChannel> {
    private final ServerConfig config;
    private final ConnectionLimiter limiter;
    private final HttpRouter router;
    private final Rejections rejections;
    private final int maxWebSocketFrameBytes;

    public HttpInitializer(ServerConfig config, ConnectionLimiter limiter, HttpRouter router, Rejections rejections) {
        this(config, limiter, router, rejections, 1 << 20);
    }

    public HttpInitializer(ServerConfig config, ConnectionLimiter limiter, HttpRouter router, Rejections rejections,
                           int maxWebSocketFrameBytes) {
        this.maxWebSocketFrameBytes = maxWebSocketFrameBytes;
        this.config = config;
        this.limiter = limiter;
        this.router = router;
        this.rejections = rejections;
    }

    @Override
    protected void initChannel(SocketChannel ch) {
        ResponseOrder.install(ch, config.maxPipelinedRequests());
        ChannelPipeline p = ch.pipeline();
        p.addLast("limit", limiter);
        p.addLast("idle", new IdleStateHandler(0, 0, config.idleTimeoutSeconds(), TimeUnit.SECONDS));
        p.addLast("idle-close", new IdleClose());
        p.addLast("deadline", new RequestDeadline(TimeUnit.SECONDS.toMillis(config.requestTimeoutSeconds()), rejections));
        // Netty's decoder marks a request with both Content-Length and Transfer-Encoding failed (request smuggling);
        // the router answers it 400, closes, and runs nothing that followed it on the wire.
        p.addLast("codec", new HttpServerCodec(config.maxInitialLineBytes(), config.maxHeaderBytes(), 64 * 1024));
        p.addLast("aggregate", new BodyLimit(config.maxBodyBytes(), rejections));
        // Negotiates permessage-deflate on a WebSocket upgrade; passes every other request through untouched.
        // Inflating is bounded too: a deflate bomb stops at the frame limit instead of filling the heap.
        p.addLast("ws-deflate", new WebSocketServerCompressionHandler(maxWebSocketFrameBytes));
        p.addLast("router", router);
    }

    /** Closes a connection that saw no traffic for {@code server.idleTimeoutSeconds}. */
    private static final class IdleClose extends ChannelInboundHandlerAdapter {
        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
            if (evt instanceof IdleStateEvent) {
                ctx.close();
            } else {
                super.userEventTriggered(ctx, evt);
            }
        }
    }

}
