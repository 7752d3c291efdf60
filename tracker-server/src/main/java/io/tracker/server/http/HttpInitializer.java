package io.tracker.server.http;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.websocketx.extensions.compression.WebSocketServerCompressionHandler;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.ApplicationProtocolNegotiationHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.tracker.core.config.ServerConfig;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Builds each connection's pipeline: limits first, then (on the TLS listener) TLS and ALPN, then HTTP/1.1 decoding,
 * aggregation and routing — or, for h2, one child channel per stream with the same aggregation and router.
 */
public final class HttpInitializer extends ChannelInitializer<SocketChannel> {
    private final ServerConfig config;
    private final ConnectionLimiter limiter;
    private final HttpRouter router;
    private final Rejections rejections;
    private final int maxWebSocketFrameBytes;
    private final Supplier<SslContext> tls;

    /** The route table this initializer's connections are served by. */
    public Routes routes() {
        return router.routes();
    }

    public HttpInitializer(ServerConfig config, ConnectionLimiter limiter, HttpRouter router, Rejections rejections,
                           int maxWebSocketFrameBytes) {
        this(config, limiter, router, rejections, maxWebSocketFrameBytes, null);
    }

    private HttpInitializer(ServerConfig config, ConnectionLimiter limiter, HttpRouter router, Rejections rejections,
                            int maxWebSocketFrameBytes, Supplier<SslContext> tls) {
        this.maxWebSocketFrameBytes = maxWebSocketFrameBytes;
        this.config = config;
        this.limiter = limiter;
        this.router = router;
        this.rejections = rejections;
        this.tls = tls;
    }

    /** The same pipeline behind TLS from {@code context} (read per connection: a reloaded certificate applies at once). */
    public HttpInitializer withTls(Supplier<SslContext> context) {
        return new HttpInitializer(config, limiter, router, rejections, maxWebSocketFrameBytes, context);
    }

    @Override
    protected void initChannel(SocketChannel ch) {
        ChannelPipeline p = ch.pipeline();
        p.addLast("limit", limiter);
        p.addLast("idle", new IdleStateHandler(0, 0, config.idleTimeoutSeconds(), TimeUnit.SECONDS));
        p.addLast("idle-close", new IdleClose());
        if (tls == null) {
            http1(ch);
            return;
        }
        SslContext context = tls.get();
        if (context == null) { // ACME has not issued the first certificate yet
            ch.close();
            return;
        }
        p.addLast("tls", context.newHandler(ch.alloc()));
        p.addLast("alpn", new ApplicationProtocolNegotiationHandler(ApplicationProtocolNames.HTTP_1_1) {
            @Override
            protected void configurePipeline(ChannelHandlerContext ctx, String protocol) {
                if (ApplicationProtocolNames.HTTP_2.equals(protocol)) {
                    h2(ctx.channel());
                } else {
                    http1(ctx.channel());
                }
            }
        });
    }

    private void http1(Channel ch) {
        ResponseOrder.install(ch, config.maxPipelinedRequests());
        ChannelPipeline p = ch.pipeline();
        p.addLast("deadline", new RequestDeadline(TimeUnit.SECONDS.toMillis(config.requestTimeoutSeconds()), rejections));
        // Netty's decoder marks a request with both Content-Length and Transfer-Encoding failed (request smuggling);
        // the router answers it 400, closes, and runs nothing that followed it on the wire.
        p.addLast("codec", new HttpServerCodec(config.maxInitialLineBytes(), config.maxHeaderBytes(), 64 * 1024));
        p.addLast("aggregate", new BodyLimit(config.maxBodyBytes(), rejections, router.routes()::streamed));
        // Negotiates permessage-deflate on a WebSocket upgrade; passes every other request through untouched.
        // Inflating is bounded too: a deflate bomb stops at the frame limit instead of filling the heap.
        p.addLast("ws-deflate", new WebSocketServerCompressionHandler(maxWebSocketFrameBytes));
        p.addLast("router", router);
    }

    /**
     * HTTP/2: each stream is a child channel that sees HTTP/1.1-shaped requests, so every route works the same; a
     * stream has one request, so pipelining order is trivially kept. Streams per connection are bounded like pipelined
     * requests, header lists like HTTP/1.1 headers.
     */
    private void h2(Channel ch) {
        ch.pipeline().addLast("h2", Http2FrameCodecBuilder.forServer()
                .initialSettings(Http2Settings.defaultSettings()
                        .maxConcurrentStreams(Math.max(config.maxPipelinedRequests(), 100))
                        .maxHeaderListSize(config.maxHeaderBytes() + (long) config.maxInitialLineBytes()))
                .build());
        ch.pipeline().addLast("h2-streams", new Http2MultiplexHandler(new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel stream) {
                ResponseOrder.install(stream, 1);
                ChannelPipeline p = stream.pipeline();
                p.addLast("deadline", new RequestDeadline(TimeUnit.SECONDS.toMillis(config.requestTimeoutSeconds()), rejections));
                p.addLast("codec", new Http2StreamFrameToHttpObjectCodec(true));
                p.addLast("aggregate", new BodyLimit(config.maxBodyBytes(), rejections, router.routes()::streamed));
                p.addLast("router", router);
            }
        }));
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
