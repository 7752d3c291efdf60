package io.tracker.server.http;

import io.netty.channel.Channel;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.util.AttributeKey;
import io.netty.util.ReferenceCountUtil;
import java.util.TreeMap;

/**
 * HTTP/1.1 pipelining done right (RFC 9112 §9.3.2): responses leave in the order their requests arrived, whatever
 * order they complete in (a {@code wal} event answers after its fsync, a {@code /ping} at once). Each request takes a
 * sequence number; a finished response waits until every earlier one is written. A connection with
 * {@code server.maxPipelinedRequests} answers outstanding stops reading until they drain (what one socket read already
 * holds is still decoded: the bound is that plus one read buffer). Event-loop only.
 */
final class ResponseOrder {
    private static final AttributeKey<ResponseOrder> KEY = AttributeKey.valueOf("tracker.responseOrder");

    private final int maxInFlight;
    private final TreeMap<Long, Ready> ready = new TreeMap<>();
    private final TreeMap<Long, Runnable> turns = new TreeMap<>(); // streamed answers waiting for their turn
    private long streaming = -1; // the request whose streamed answer is being written
    private boolean held; // a relay paces reading
    private long next;
    private long nextToWrite;
    private boolean closed;
    private boolean lastRequestSeen;

    private record Ready(FullHttpResponse response, boolean close) {
    }

    private ResponseOrder(int maxInFlight) {
        this.maxInFlight = maxInFlight;
    }

    /** Gives a new connection its order, bounded to {@code maxInFlight} outstanding answers. */
    static void install(Channel ch, int maxInFlight) {
        ch.attr(KEY).set(new ResponseOrder(maxInFlight));
    }

    /** The connection's order (a default one when none was installed: handlers tested on their own). */
    static ResponseOrder of(Channel ch) {
        ResponseOrder o = ch.attr(KEY).get();
        if (o == null) {
            o = new ResponseOrder(16);
            ch.attr(KEY).set(o);
        }
        return o;
    }

    /**
     * Answers the connection's newest request with {@code response} and closes it after every earlier answer is out
     * (413, 408, 500: the transport's own refusals keep the order too).
     */
    static void answerAndClose(Channel ch, FullHttpResponse response) {
        ResponseOrder o = of(ch);
        long seq = o.begin(ch, true);
        if (seq < 0) {
            ReferenceCountUtil.release(response); // the connection already ends with an earlier answer
            return;
        }
        o.complete(ch, seq, response, true);
    }

    /** Whether request {@code seq}'s answer would be written now (every earlier one is out). */
    boolean isNext(long seq) {
        return seq == nextToWrite && streaming < 0 && !closed;
    }

    /** No request of the connection is waiting for its answer (a protocol switch may happen now). */
    boolean idle() {
        return next == nextToWrite && !closed;
    }

    /**
     * A request arrived: its place in the answer order, or -1 when the connection is done — a request answered with
     * a close (malformed, smuggling) or sent with {@code Connection: close} came before it, and nothing after that may
     * run (RFC 9112 §9.6).
     */
    long begin(Channel ch, boolean last) {
        if (closed || lastRequestSeen) {
            return -1;
        }
        lastRequestSeen = last;
        long seq = next++;
        if (next - nextToWrite >= maxInFlight) {
            ch.config().setAutoRead(false);
        }
        return seq;
    }

    /** The response of request {@code seq} is ready: written now if it is next, else when its turn comes. */
    void complete(Channel ch, long seq, FullHttpResponse response, boolean close) {
        if (close) {
            lastRequestSeen = true; // decided now (a malformed request): whatever follows on the wire is not read
        }
        if (closed) {
            ReferenceCountUtil.release(response);
            return;
        }
        if (seq == nextToWrite && ready.isEmpty() && turns.isEmpty()) { // the common case: its turn, nothing waiting
            nextToWrite++;
            if (close) {
                closed = true;
                lingeringClose(ch, ch.writeAndFlush(response));
                return;
            }
            ch.writeAndFlush(response);
            resumeReading(ch);
            return;
        }
        ready.put(seq, new Ready(response, close));
        drain(ch);
    }

    /** Writes what is ready from {@code nextToWrite} on; hands the connection to a streamed answer whose turn came. */
    private void drain(Channel ch) {
        boolean wrote = false;
        while (!ready.isEmpty() && ready.firstKey() == nextToWrite) {
            Ready r = ready.pollFirstEntry().getValue();
            nextToWrite++;
            wrote = true;
            if (r.close()) {
                closed = true;
                lingeringClose(ch, ch.writeAndFlush(r.response()));
                ready.values().forEach(x -> ReferenceCountUtil.release(x.response()));
                ready.clear();
                return;
            }
            ch.write(r.response());
        }
        if (wrote) {
            ch.flush();
            resumeReading(ch);
        }
        Runnable turn = turns.remove(nextToWrite);
        if (turn != null && !closed) {
            streaming = nextToWrite;
            turn.run();
        }
    }

    /**
     * Request {@code seq} is answered by a stream (a proxied response): {@code onTurn} runs on the event loop once every
     * earlier answer is out — now, if they are — and writes the head and body itself, then calls {@link #streamed}.
     */
    void awaitTurn(Channel ch, long seq, Runnable onTurn) {
        if (closed) {
            return;
        }
        if (seq == nextToWrite && streaming < 0) {
            streaming = seq;
            onTurn.run();
        } else {
            turns.put(seq, onTurn);
        }
    }

    /** The streamed answer of {@code seq} is fully written: the answers after it may go. */
    void streamed(Channel ch, long seq, boolean close) {
        if (seq != streaming) {
            return;
        }
        streaming = -1;
        held = false; // a relayed request is a barrier: what follows it is read only now
        nextToWrite++;
        if (close) {
            closed = true;
            lastRequestSeen = true;
            ready.values().forEach(x -> ReferenceCountUtil.release(x.response()));
            ready.clear();
            turns.clear();
            lingeringClose(ch, ch.writeAndFlush(io.netty.buffer.Unpooled.EMPTY_BUFFER));
            return;
        }
        resumeReading(ch);
        drain(ch);
    }

    /**
     * While a request body is relayed, its relay paces reading (one read per chunk written upstream): the order does
     * not turn automatic reading back on until the relayed answer is complete ({@link #streamed}), so nothing pipelined
     * behind a relayed request runs before its answer is known to keep the connection open.
     */
    void holdReading(Channel ch, boolean hold) {
        held = hold;
        if (hold) {
            ch.config().setAutoRead(false);
        } else {
            resumeReading(ch);
        }
    }

    /** Turns reading back on unless the pipelining bound or a relay holds it. */
    private void resumeReading(Channel ch) {
        if (next - nextToWrite < maxInFlight && !closed && !held && !ch.config().isAutoRead()) {
            ch.config().setAutoRead(true);
        }
    }

    /**
     * Closes after the last answer the way RFC 9112 §9.6 asks: our side of the connection first (the client reads
     * the answer, then end of stream), the whole socket once the client closes too or a second has passed. Closing
     * at once while a refused body is still arriving makes the kernel send a reset, which can destroy the answer
     * (a 413, a 400) in the client's buffers before it is read.
     */
    private static void lingeringClose(Channel ch, io.netty.channel.ChannelFuture written) {
        written.addListener(f -> {
            if (ch instanceof io.netty.channel.socket.DuplexChannel d && f.isSuccess() && ch.isActive()) {
                d.shutdownOutput();
                ch.eventLoop().schedule(() -> {
                    ch.close();
                }, 1, java.util.concurrent.TimeUnit.SECONDS);
            } else {
                ch.close();
            }
        });
    }
}
