package io.tracker.server.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The transport's own handlers on an {@link EmbeddedChannel}: no sockets, no clock waits beyond the deadline. */
class HttpPipelineTest {

    private static ByteBuf ascii(String s) {
        return Unpooled.copiedBuffer(s, StandardCharsets.US_ASCII);
    }

    private static String drain(EmbeddedChannel ch) {
        StringBuilder sb = new StringBuilder();
        ByteBuf b;
        while ((b = ch.readOutbound()) != null) {
            sb.append(b.toString(StandardCharsets.UTF_8));
            b.release();
        }
        return sb.toString();
    }

    @Test
    void bodyLimitAnswers413WithAJsonReasonAndCloses() {
        Rejections rejections = new Rejections(new SimpleMeterRegistry());
        EmbeddedChannel ch = new EmbeddedChannel(new HttpServerCodec(), new BodyLimit(1024, rejections, path -> false));
        ch.writeInbound(ascii("POST /tr/v1/tr/ HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n"));
        String out = drain(ch);
        assertTrue(out.startsWith("HTTP/1.1 413"), out);
        assertTrue(out.contains("\"code\":\"body_too_large\""), out);
        assertFalse(ch.isOpen(), "the rest of an oversized body must not be read as the next request");
    }

    @Test
    void requestDeadlineAnswers408WhenARequestTrickles() throws Exception {
        Rejections rejections = new Rejections(new SimpleMeterRegistry());
        EmbeddedChannel ch = new EmbeddedChannel(new RequestDeadline(50, rejections), new HttpServerCodec(),
                new HttpObjectAggregator(1 << 20));
        ch.writeInbound(ascii("POST /tr/v1/tr/ HTTP/1.1\r\nHost: x\r\nContent-Len"));
        Thread.sleep(80);
        ch.runScheduledPendingTasks();
        String out = drain(ch);
        assertTrue(out.startsWith("HTTP/1.1 408"), out);
        assertTrue(out.contains("request_timeout"), out);
        ch.runPendingTasks();
        assertFalse(ch.isOpen());
    }

    @Test
    void aCompleteRequestDisarmsTheDeadline() throws Exception {
        Rejections rejections = new Rejections(new SimpleMeterRegistry());
        EmbeddedChannel ch = new EmbeddedChannel(new RequestDeadline(50, rejections), new HttpServerCodec(),
                new HttpObjectAggregator(1 << 20), new SimpleChannelInboundHandler<FullHttpRequest>() {
                    @Override
                    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest msg) {
                        RequestDeadline.disarm(ctx.channel());
                        FullHttpResponse ok = HttpResponses.empty(HttpResponseStatus.OK);
                        ctx.writeAndFlush(ok);
                    }
                });
        ch.writeInbound(ascii("GET /ping HTTP/1.1\r\nHost: x\r\n\r\n"));
        Thread.sleep(80);
        ch.runScheduledPendingTasks();
        String out = drain(ch);
        assertTrue(out.startsWith("HTTP/1.1 200"), out);
        assertFalse(out.contains("408"), out);
        assertTrue(ch.isOpen(), "keep-alive connection stays open");
    }

    @Test
    void theConnectionAboveTheLimitIsMarkedAndCounted() {
        ConnectionLimiter limiter = new ConnectionLimiter(1);
        EmbeddedChannel first = new EmbeddedChannel(limiter);
        EmbeddedChannel second = new EmbeddedChannel(limiter);
        assertFalse(ConnectionLimiter.isOverLimit(first));
        assertTrue(ConnectionLimiter.isOverLimit(second));
        assertEquals(2, limiter.openConnections());
        second.close();
        first.close();
        assertEquals(0, limiter.openConnections());
    }
}
