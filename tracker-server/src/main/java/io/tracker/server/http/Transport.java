package io.tracker.server.http;

import io.netty.channel.Channel;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.ssl.SslHandler;

/** Facts about the connection a request came on, the same for an HTTP/1.1 connection and an h2 stream of one. */
public final class Transport {
    private Transport() {
    }

    /** The TCP connection: the channel itself, or an h2 stream's parent. */
    public static Channel connection(Channel ch) {
        return ch instanceof Http2StreamChannel ? ch.parent() : ch;
    }

    /** Whether the request came over TLS to this process (not via a proxy's X-Forwarded-Proto). */
    public static boolean isTls(Channel ch) {
        return connection(ch).pipeline().get(SslHandler.class) != null;
    }
}
