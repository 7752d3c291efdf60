package io.tracker.server.http;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;

/**
 * One relayed request as its relay sees it: the head, the client connection, and the answer's place in the
 * connection's order. A relay writes its answer only inside {@link #awaitTurn}, ends it with {@link #finish}, and paces
 * the request body with {@link #read}. Event-loop only.
 */
public final class StreamedExchange {
    private final ChannelHandlerContext ctx;
    private final HttpCall call;
    private final long seq;
    private final ResponseOrder order;
    private final boolean closeAfter;
    private final String hsts;
    private final Rejections rejections;

    StreamedExchange(ChannelHandlerContext ctx, HttpCall call, long seq, ResponseOrder order, boolean closeAfter,
                     String hsts, Rejections rejections) {
        this.ctx = ctx;
        this.call = call;
        this.seq = seq;
        this.order = order;
        this.closeAfter = closeAfter;
                this.hsts = hsts;
        this.rejections = rejections;
    }

    /** The request: head and headers (its body comes to the relay's {@link Routes.Body}). */
    public HttpCall call() {
        return call;
    }

    public HttpRequest head() {
        return call.request();
    }

    public Channel channel() {
        return ctx.channel();
    }

    /** Whether the connection ends after this answer (the client asked, or HTTP/1.0). */
    public boolean closeAfter() {
        return closeAfter;
    }

    /** Whether every earlier answer of the connection is out (an interim 100 Continue may go now). */
    public boolean first() {
        return order.isNext(seq);
    }

    /** Runs {@code write} once every earlier answer of the connection is out. */
    public void awaitTurn(Runnable write) {
        order.awaitTurn(ctx.channel(), seq, write);
    }

    /**
     * Stops automatic reading from the client: the body is pulled with {@link #read}, and nothing after this request is
     * read until its answer is complete ({@link #finish}).
     */
    public void holdReading() {
        order.holdReading(ctx.channel(), true);
        RequestDeadline.pause(ctx.channel(), true);
    }

    /** The request's body has ended: the slow-client clock applies to the next request again. */
    public void bodyDone() {
        RequestDeadline.pause(ctx.channel(), false);
    }

    /** Reads the next piece of the client's body. */
    public void read() {
        ctx.channel().read();
    }

    /**
     * HSTS and connection headers of a relayed answer's head. No CORS: the upstream's own CORS headers (or none) stand,
     * so an upstream's cookie-carrying answers are never opened to every web page.
     */
    public void decorate(HttpResponse head, boolean close) {
        if (hsts != null && Transport.isTls(ctx.channel())) {
            head.headers().set("Strict-Transport-Security", hsts);
        }
        if (close) {
            head.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        } else if (!call.request().protocolVersion().isKeepAliveDefault()) {
            head.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
        }
    }

    /** Writes a piece of the answer (inside its turn). */
    public ChannelFuture write(HttpObject piece) {
        return ctx.channel().writeAndFlush(piece);
    }

    /** Counts {@code error} and renders it, decorated, as this request's whole answer (inside its turn). */
    public FullHttpResponse refusal(ApiError error, boolean close) {
        FullHttpResponse r = rejections.answer(error);
        decorate(r, close);
        return r;
    }

    /** The answer is complete: later answers of the connection may go; {@code close} ends the connection. */
    public void finish(boolean close) {
        order.streamed(ctx.channel(), seq, close || closeAfter);
    }
}
