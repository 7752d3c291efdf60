package io.tracker.server.http;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import java.io.IOException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An answer whose body is produced while it is sent (an export): the router writes its head, chunked, when its turn in
 * the connection's answer order comes, then {@link Body#write} runs on {@code executor} and sends chunk by chunk, each
 * one flushed before the next is produced (the client's pace is the producer's: nothing is buffered but one chunk).
 * A failure after the head cannot change the status: the connection is closed without the last chunk, so the client
 * sees a truncated body, never a complete-looking one.
 */
public final class StreamedAnswer extends DefaultFullHttpResponse {
    private static final Logger log = LoggerFactory.getLogger(StreamedAnswer.class);
    private static final long WRITE_TIMEOUT_SECONDS = 60;

    /** Produces the body. */
    @FunctionalInterface
    public interface Body {
        void write(Sink sink) throws Exception;
    }

    /** Where a body's chunks go: returns once the chunk is written to the socket; throws once the client is gone. */
    @FunctionalInterface
    public interface Sink {
        void write(byte[] chunk) throws IOException;
    }

    private final Executor executor;
    private final Body body;
    private final java.util.concurrent.atomic.AtomicBoolean started = new java.util.concurrent.atomic.AtomicBoolean();
    private volatile Runnable abandoned = () -> { };

    public StreamedAnswer(HttpResponseStatus status, String contentType, Executor executor, Body body) {
        super(HttpVersion.HTTP_1_1, status, Unpooled.EMPTY_BUFFER);
        headers().set(HttpHeaderNames.CONTENT_TYPE, contentType);
        headers().set(HttpHeaderNames.CACHE_CONTROL, "no-store");
        this.executor = executor;
        this.body = body;
    }

    /** Runs {@code r} if the connection closes before this answer's turn comes (it then never starts). */
    public StreamedAnswer onAbandon(Runnable r) {
        this.abandoned = r;
        return this;
    }

    void abandon() {
        if (started.compareAndSet(false, true)) {
            release();
            abandoned.run();
        }
    }

    /** Sends the answer; {@code done} runs on the event loop with whether the connection closes after it. */
    void start(Channel ch, boolean close, HttpVersion version, Consumer<Boolean> done) {
        if (!started.compareAndSet(false, true)) {
            return;
        }
        DefaultHttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, status());
        head.headers().set(headers());
        head.headers().remove(HttpHeaderNames.CONTENT_LENGTH);
        boolean chunked = version.isKeepAliveDefault(); // HTTP/1.1 (and h2, whose codec drops the header)
        if (chunked) {
            head.headers().set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
        } else {
            // HTTP/1.0 has no chunks: the body ends where the connection does
            head.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            close = true;
        }
        ch.writeAndFlush(head);
        release();
        boolean closeAfter = close;
        try {
            executor.execute(() -> run(ch, closeAfter, done));
        } catch (java.util.concurrent.RejectedExecutionException e) {
            abandoned.run();
            ch.eventLoop().execute(() -> {
                ch.close();
                done.accept(true);
            });
        }
    }

    private void run(Channel ch, boolean close, Consumer<Boolean> done) {
        try {
            body.write(chunk -> {
                if (chunk.length == 0) {
                    return;
                }
                ChannelFuture f = ch.writeAndFlush(new DefaultHttpContent(Unpooled.wrappedBuffer(chunk)));
                if (!f.awaitUninterruptibly(WRITE_TIMEOUT_SECONDS, TimeUnit.SECONDS) || !f.isSuccess()) {
                    throw new IOException("the client is not reading the stream");
                }
            });
            ch.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT)
                    .addListener(f -> ch.eventLoop().execute(() -> done.accept(close || !f.isSuccess())));
        } catch (Exception e) {
            log.atWarn().addKeyValue("error", e.toString()).log("streamed answer cut short");
            ch.eventLoop().execute(() -> {
                ch.close(); // without the last chunk: the client knows the body is incomplete
                done.accept(true);
            });
        }
    }
}
