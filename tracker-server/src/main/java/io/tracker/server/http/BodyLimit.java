package io.tracker.server.http;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;

/**
 * Aggregates a request up to {@code server.maxBodyBytes}; above that, answers 413 with a JSON reason
 * and closes (the rest of the oversized body would otherwise be parsed as the next request).
 */
final class BodyLimit extends HttpObjectAggregator {
    private final int maxBodyBytes;
    private final Rejections rejections;
    private final java.util.function.Predicate<String> streamed;
    private boolean relaying;

    /** {@code streamed}: paths whose requests pass through in pieces, for a relay (the proxy streams bodies). */
    BodyLimit(int maxBodyBytes, Rejections rejections, java.util.function.Predicate<String> streamed) {
        super(maxBodyBytes, true);
        this.maxBodyBytes = maxBodyBytes;
        this.rejections = rejections;
        this.streamed = streamed;
    }

    @Override
    public boolean acceptInboundMessage(Object msg) throws Exception {
        if (msg instanceof io.netty.handler.codec.http.HttpRequest head && !(msg instanceof io.netty.handler.codec.http.FullHttpRequest)
                && head.decoderResult().isSuccess() && streamed.test(HttpCall.path(head.uri()))) {
            relaying = !(msg instanceof io.netty.handler.codec.http.LastHttpContent);
            return false;
        }
        if (relaying && msg instanceof io.netty.handler.codec.http.HttpContent) {
            relaying = !(msg instanceof io.netty.handler.codec.http.LastHttpContent);
            return false;
        }
        return super.acceptInboundMessage(msg);
    }

    @Override
    protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) {
        rejections.count("body_too_large");
        RequestDeadline.disarm(ctx.channel());
        FullHttpResponse r = HttpResponses.error(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, "body_too_large",
                "request body exceeds " + maxBodyBytes + " bytes");
        r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        ResponseOrder.answerAndClose(ctx.channel(), r); // after the answers of earlier pipelined requests
    }
}
