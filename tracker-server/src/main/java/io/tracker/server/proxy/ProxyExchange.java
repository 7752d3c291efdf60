package io.tracker.server.proxy;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ConnectTimeoutException;
import io.netty.channel.pool.FixedChannelPool;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.AttributeKey;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.tracker.core.pipeline.Route;
import io.tracker.server.http.ApiError;
import io.tracker.server.http.HttpCall;
import io.tracker.server.http.Routes;
import io.tracker.server.http.StreamedExchange;
import java.net.ConnectException;
import java.util.ArrayDeque;
import java.util.Locale;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One proxied request, on the client connection's event loop (its upstream connection lives there too). The request
 * body goes upstream one piece per client read; the answer comes back one piece per upstream read, each read only once
 * the previous piece is written, so neither side's buffers grow with a slow peer. Nothing after a proxied request on
 * the same connection is read before its answer is complete. Before the answer's head is out, a failure is a JSON 502
 * (refused, broken) or 504 (nothing for {@code proxy.responseTimeoutSeconds}); after it, the client connection is cut so
 * the client sees a truncated answer, never a wrong one. An answer read whole lets go of its upstream connection at
 * once, even while it waits for its turn.
 */
final class ProxyExchange implements Routes.Body {
    private static final Logger log = LoggerFactory.getLogger(ProxyExchange.class);
    static final AttributeKey<ProxyExchange> CURRENT = AttributeKey.valueOf("tracker.proxyExchange");

    /** Hop-by-hop headers (RFC 9110 §7.6.1) and framing: never copied, framing is set from the request itself. */
    private static final Set<String> HOP = Set.of("connection", "keep-alive", "proxy-connection", "proxy-authenticate",
            "proxy-authorization", "te", "trailer", "transfer-encoding", "upgrade", "expect", "http2-settings",
            "content-length");
    /** Framing and routing headers a client's {@code Connection} list may never remove. */
    private static final Set<String> KEPT = Set.of("content-length", "transfer-encoding", "host");
    /** What says where a request came from: set here, or passed on only from a trusted proxy. */
    private static final Set<String> FORWARDING = Set.of("x-forwarded-for", "x-forwarded-host", "x-forwarded-proto",
            "x-forwarded-port", "x-forwarded-prefix", "x-forwarded-server", "x-real-ip", "forwarded", "x-origin-host");

    private final ReverseProxy proxy;
    private final StreamedExchange client;
    private final ArrayDeque<HttpContent> early = new ArrayDeque<>(); // request pieces read before the upstream is there
    private final ArrayDeque<HttpObject> answer = new ArrayDeque<>(); // answer pieces read before the answer's turn
    private FixedChannelPool pool;
    private Channel upstream;
    private boolean requestDone;
    private boolean bodyless;    // HTTP/1 without Content-Length or chunking: no body, whatever bytes might follow
    private boolean turn;        // the client connection is ours to write
    private boolean headSent;
    private boolean answerRead;  // the whole answer is in `answer` (or written): the upstream is no longer needed
    private boolean finished;
    private boolean reusable = true;
    private boolean skipInformational;
    private ApiError failure;
    private boolean closeAtEnd;
    private long buffered;
    /** Answer bytes read ahead while an answer waits for its turn (beyond it, the upstream waits too). */
    private static final long WAIT_BUFFER = 256 * 1024;
    private io.netty.util.concurrent.GenericFutureListener<io.netty.util.concurrent.Future<? super Void>> onClientClose;

    ProxyExchange(ReverseProxy proxy, StreamedExchange client, FixedChannelPool pool) {
        this.proxy = proxy;
        this.client = client;
        this.pool = pool;
        HttpRequest in = client.head();
        boolean h2 = client.channel() instanceof io.netty.handler.codec.http2.Http2StreamChannel;
        this.bodyless = !h2 && HttpUtil.getContentLength(in, -1L) < 0 && !HttpUtil.isTransferEncodingChunked(in);
    }

    @Override
    public void start() {
        client.holdReading();
        onClientClose = f -> client.channel().eventLoop().execute(this::abort);
        client.channel().closeFuture().addListener(onClientClose);
        if (HttpUtil.is100ContinueExpected(client.head()) && client.first()) {
            // The body is relayed as it comes: let the client send it (only when no earlier answer is still to go).
            client.channel().writeAndFlush(new io.netty.handler.codec.http.DefaultFullHttpResponse(
                    client.head().protocolVersion(), HttpResponseStatus.CONTINUE, Unpooled.EMPTY_BUFFER));
        }
        pool.acquire().addListener((Future<Channel> f) -> {
            try {
                onUpstream(f);
            } catch (RuntimeException e) {
                log.atWarn().setCause(e).log("proxy exchange failed");
                reusable = false;
                fail(ApiError.of(HttpResponseStatus.BAD_GATEWAY, "upstream_broken", "the request could not be relayed"));
            }
        });
    }

    private void onUpstream(Future<Channel> f) {
        if (!f.isSuccess()) {
            Throwable e = f.cause();
            fail(e instanceof ConnectTimeoutException || e instanceof java.util.concurrent.TimeoutException
                    ? ApiError.of(HttpResponseStatus.GATEWAY_TIMEOUT, "upstream_timeout", "the upstream did not accept in time")
                    : e instanceof ConnectException
                    ? ApiError.of(HttpResponseStatus.BAD_GATEWAY, "upstream_refused", "the upstream refused the connection")
                    : ApiError.of(HttpResponseStatus.BAD_GATEWAY, "upstream_unreachable", "the upstream cannot be reached"));
            return;
        }
        Channel ch = f.getNow();
        if (finished || failure != null) { // the client left, or sent garbage, while we connected
            ch.close();
            pool.release(ch);
            return;
        }
        upstream = ch;
        ch.attr(CURRENT).set(this);
        ch.writeAndFlush(upstreamHead()).addListener(w -> {
            if (!w.isSuccess()) {
                reusable = false;
                fail(ApiError.of(HttpResponseStatus.BAD_GATEWAY, "upstream_broken", "the upstream connection failed"));
            }
        });
        ch.read(); // the answer may come before the whole body (an early 4xx)
        if (early.isEmpty() && !requestDone) {
            client.read();
        }
        while (!early.isEmpty() && upstream != null) {
            forward(early.poll());
        }
    }

    /** The request as the upstream gets it: same method, path and query; hop-by-hop headers dropped; X-Forwarded-*. */
    private HttpRequest upstreamHead() {
        HttpRequest in = client.head();
        String peer = client.channel().remoteAddress() instanceof java.net.InetSocketAddress a && a.getAddress() != null
                ? a.getAddress().getHostAddress() : null;
        boolean trusted = proxy.address.trusts(peer);
        HttpHeaders h = new io.netty.handler.codec.http.DefaultHttpHeaders();
        endToEnd(in.headers(), h, name -> !HOP.contains(name) && !name.startsWith(":")
                && (trusted || !FORWARDING.contains(name)) && !name.equals("host"));
        String original = io.tracker.server.http.HttpRouter.hostOnly(in.headers().get(HttpHeaderNames.HOST)) == null
                ? null : in.headers().get(HttpHeaderNames.HOST);
        h.set(HttpHeaderNames.HOST, proxy.upstreamAuthority);
        if (original != null) {
            h.set("X-Forwarded-Host", original);
        } else {
            h.remove("X-Forwarded-Host");
        }
        h.set("X-Origin-Host", proxy.upstreamAuthority);
        String chain = trusted ? in.headers().get("X-Forwarded-For") : null; // a client's own is a lie
        if (peer != null) {
            h.set("X-Forwarded-For", chain == null || chain.isBlank() ? peer : chain + ", " + peer);
        }
        h.set("X-Forwarded-Proto", proxy.address.secure(client.channel(), in.headers()) ? "https" : "http");
        if (proxy.config.forceJson()) {
            h.set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON);
        }
        // Framing, from the request itself, never from a header list a client controls: its Content-Length; chunked if
        // it was chunked; an h2 body (no length on the wire) chunked while it is still coming, else sized; HTTP/1
        // without either has no body.
        long length = HttpUtil.getContentLength(in, -1L);
        if (length >= 0) {
            h.set(HttpHeaderNames.CONTENT_LENGTH, length);
        } else if (HttpUtil.isTransferEncodingChunked(in)) {
            h.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
        } else if (!bodyless) {
            if (requestDone) {
                long bytes = early.stream().mapToLong(c -> c.content().readableBytes()).sum();
                if (bytes > 0 || !in.method().equals(HttpMethod.GET) && !in.method().equals(HttpMethod.HEAD)) {
                    h.set(HttpHeaderNames.CONTENT_LENGTH, bytes);
                }
            } else {
                h.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
            }
        }
        return new DefaultHttpRequest(HttpVersion.HTTP_1_1, in.method(), in.uri(), h);
    }

    /**
     * Copies the headers of {@code from} that {@code keep} (given lower-case names) into {@code to}, less those its
     * {@code Connection} header marks hop-by-hop — never the framing or Host, whatever that list says.
     */
    private static void endToEnd(HttpHeaders from, HttpHeaders to, java.util.function.Predicate<String> keep) {
        for (var e : from) {
            if (keep.test(e.getKey().toLowerCase(Locale.ROOT))) {
                to.add(e.getKey(), e.getValue());
            }
        }
        for (String named : from.getAll(HttpHeaderNames.CONNECTION)) {
            for (String n : named.split(",")) {
                if (!KEPT.contains(n.trim().toLowerCase(Locale.ROOT))) {
                    to.remove(n.trim());
                }
            }
        }
    }

    // ---- the request body, from the client ----

    @Override
    public void content(HttpContent piece) {
        if (piece instanceof LastHttpContent) {
            requestDone = true;
            client.bodyDone();
        }
        if (piece.decoderResult().isFailure()) { // a broken chunk: the upstream must not see a clean end
            piece.release();
            reusable = false;
            requestDone = false; // the rest of the stream is unreadable: the connection ends with the answer
            fail(ApiError.badRequest("malformed_request", "the request body is not valid HTTP framing"));
            return;
        }
        if (finished || failure != null) {
            piece.release();
            return;
        }
        if (upstream == null) {
            early.add(piece);
            return;
        }
        forward(piece);
    }

    private void forward(HttpContent piece) {
        boolean last = piece instanceof LastHttpContent;
        if (bodyless && piece.content().isReadable()) { // cannot happen with Netty's decoder; never relay unframed bytes
            piece.release();
            reusable = false;
            fail(ApiError.of(HttpResponseStatus.BAD_GATEWAY, "upstream_broken", "unframed request body"));
            return;
        }
        HttpContent out = last && !((LastHttpContent) piece).trailingHeaders().isEmpty()
                ? new io.netty.handler.codec.http.DefaultLastHttpContent(piece.content()) : piece; // no trailers upstream
        upstream.writeAndFlush(out).addListener(w -> {
            if (!w.isSuccess()) {
                reusable = false;
                fail(ApiError.of(HttpResponseStatus.BAD_GATEWAY, "upstream_broken", "the upstream connection failed"));
            } else if (!last && !requestDone) {
                client.read(); // the next piece, now that this one is out
            }
        });
    }

    // ---- the answer, from the upstream ----

    void fromUpstream(HttpObject piece) {
        if (finished || answerRead) {
            ReferenceCountUtil.release(piece);
            return;
        }
        if (piece.decoderResult().isFailure()) { // not HTTP: never relayed, the connection never reused
            ReferenceCountUtil.release(piece);
            reusable = false;
            fail(ApiError.of(HttpResponseStatus.BAD_GATEWAY, "upstream_broken", "the upstream answer was not valid HTTP"));
            return;
        }
        if (piece instanceof HttpResponse head) {
            if (head.status().codeClass() == HttpStatusClass.INFORMATIONAL) {
                skipInformational = !(piece instanceof LastHttpContent); // 100/103: not relayed (Expect was dropped)
                ReferenceCountUtil.release(piece);
                upstream.read();
                return;
            }
            if (!HttpUtil.isKeepAlive(head)) {
                reusable = false;
            }
        } else if (skipInformational) {
            skipInformational = !(piece instanceof LastHttpContent);
            ReferenceCountUtil.release(piece);
            upstream.read();
            return;
        }
        answer.add(piece);
        if (piece instanceof HttpContent c) {
            buffered += c.content().readableBytes();
        }
        if (piece instanceof LastHttpContent) {
            answerRead = true; // nothing more to read: an upstream close or timer from here on changes nothing
            releaseUpstream();
        } else if (!turn && buffered < WAIT_BUFFER) {
            upstream.read(); // a small answer is read whole while it waits, so its upstream connection is let go
        }
        if (!turn) {
            client.awaitTurn(this::onTurn);
            return;
        }
        drainAnswer();
    }

    private void onTurn() {
        turn = true;
        if (failure != null && !headSent) {
            answer.forEach(ReferenceCountUtil::release);
            answer.clear();
            client.write(client.refusal(failure, !requestDone || client.closeAfter()));
            finish(!requestDone);
            return;
        }
        drainAnswer();
    }

    private void drainAnswer() {
        while (!answer.isEmpty() && !finished) {
            HttpObject piece = answer.poll();
            if (piece instanceof HttpResponse head) {
                piece = clientHead(head);
                headSent = true;
            }
            boolean last = piece instanceof LastHttpContent;
            client.write(piece).addListener(w -> {
                if (!w.isSuccess()) {
                    abort();
                } else if (!last && upstream != null && !finished && answer.isEmpty()) {
                    upstream.read(); // the next piece, now that this one is out
                }
            });
            if (last) {
                complete();
                return;
            }
        }
    }

    /** The answer's head as the client gets it: hop-by-hop headers dropped, framing fixed, HSTS added. */
    private HttpResponse clientHead(HttpResponse head) {
        HttpResponse out = head instanceof io.netty.handler.codec.http.FullHttpResponse full
                ? full.replace(full.content().retain()) : new DefaultHttpResponse(client.head().protocolVersion(), head.status());
        if (head instanceof io.netty.handler.codec.http.FullHttpResponse full) {
            full.release();
        }
        out.setProtocolVersion(client.head().protocolVersion());
        HttpHeaders h = out.headers();
        h.clear();
        endToEnd(head.headers(), h, name -> !HOP.contains(name) || name.equals("content-length"));
        boolean bodyless = client.head().method().equals(HttpMethod.HEAD) || head.status().code() == 204
                || head.status().code() == 304;
        boolean http10 = client.head().protocolVersion().equals(HttpVersion.HTTP_1_0);
        if (!bodyless && !h.contains(HttpHeaderNames.CONTENT_LENGTH)) {
            if (http10) {
                h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE); // an HTTP/1.0 answer ends with the connection
            } else {
                h.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED); // (re-)chunked for the client
            }
        }
        closeAtEnd = client.closeAfter() || !requestDone || (http10 && !h.contains(HttpHeaderNames.CONTENT_LENGTH));
        client.decorate(out, closeAtEnd);
        return out;
    }

    private void complete() {
        finish(closeAtEnd);
        record();
    }

    private void finish(boolean closeClient) {
        if (finished) {
            return;
        }
        finished = true;
        client.channel().closeFuture().removeListener(onClientClose);
        client.finish(closeClient || !requestDone);
        releaseUpstream();
        early.forEach(ReferenceCountUtil::release);
        early.clear();
        answer.forEach(ReferenceCountUtil::release);
        answer.clear();
    }

    private void releaseUpstream() {
        Channel ch = upstream;
        upstream = null;
        if (ch == null) {
            return;
        }
        ch.attr(CURRENT).set(null);
        if (!reusable || !requestDone || failure != null || !answerRead) {
            ch.close();
        }
        pool.release(ch);
    }

    /** A failure: an error answer in its turn if nothing is out yet, else the client connection is cut. */
    void fail(ApiError error) {
        if (finished || answerRead) {
            return;
        }
        reusable = false;
        if (failure == null) {
            failure = error;
        }
        if (headSent) {
            log.atInfo().addKeyValue("code", error.code()).log("proxy answer cut short");
            finished = true;
            client.channel().closeFuture().removeListener(onClientClose);
            client.channel().close();
            releaseUpstream();
            return;
        }
        releaseUpstream();
        if (turn) {
            onTurn();
        } else {
            client.awaitTurn(this::onTurn);
        }
    }

    @Override
    public void abort() {
        if (finished) {
            return;
        }
        finished = true;
        reusable = false;
        client.channel().closeFuture().removeListener(onClientClose);
        releaseUpstream();
        early.forEach(ReferenceCountUtil::release);
        early.clear();
        answer.forEach(ReferenceCountUtil::release);
        answer.clear();
    }

    /** Records the proxied request as a server-side event when {@code proxy.trackFilter} does not exclude its path. */
    private void record() {
        HttpCall call = client.call();
        if (!proxy.tracked(call.path()) || call.method().equals("HEAD") || call.method().equals("OPTIONS")) {
            return;
        }
        proxy.track.recordAside(call, Route.PROXY, "proxy");
    }

    /** The upstream connection's end: hands its answer to the exchange that uses it. */
    static final class Upstream extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ProxyExchange x = ctx.channel().attr(CURRENT).get();
            if (x == null) {
                ReferenceCountUtil.release(msg); // nothing asked (a pooled connection's stray bytes)
                ctx.close();
                return;
            }
            x.fromUpstream((HttpObject) msg);
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (!(evt instanceof IdleStateEvent)) {
                ctx.fireUserEventTriggered(evt);
                return;
            }
            ProxyExchange x = ctx.channel().attr(CURRENT).get();
            if (x == null) {
                ctx.close(); // idle in the pool: closed before the upstream's own keep-alive timeout races a request
                return;
            }
            x.fail(ApiError.of(HttpResponseStatus.GATEWAY_TIMEOUT, "upstream_timeout",
                    "the upstream did not answer in time (proxy.responseTimeoutSeconds)"));
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            ProxyExchange x = ctx.channel().attr(CURRENT).get();
            if (x != null) {
                x.fail(ApiError.of(HttpResponseStatus.BAD_GATEWAY, "upstream_closed", "the upstream closed the connection"));
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ProxyExchange x = ctx.channel().attr(CURRENT).get();
            if (x != null) {
                x.fail(ApiError.of(HttpResponseStatus.BAD_GATEWAY, "upstream_broken", "the upstream answer was not HTTP"));
            }
            ctx.close();
        }
    }
}
