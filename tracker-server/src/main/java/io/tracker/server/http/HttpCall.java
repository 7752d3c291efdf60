package io.tracker.server.http;

import io.netty.channel.Channel;
import io.netty.handler.codec.http.FullHttpRequest;

/**
 * One request as route handlers see it: the parsed request line plus the Netty request, so handlers
 * stay small and do not re-parse.
 *
 * @param path     the raw (percent-encoded) path
 * @param rawQuery the raw query without '?', or null
 */
public record HttpCall(Channel channel, FullHttpRequest request, String method, String path, String rawQuery) {

    /** The same call over a bodiless copy of the request's line and headers, usable after the request is released. */
    public HttpCall detached() {
        FullHttpRequest copy = new io.netty.handler.codec.http.DefaultFullHttpRequest(request.protocolVersion(),
                request.method(), request.uri(), io.netty.buffer.Unpooled.EMPTY_BUFFER,
                new io.netty.handler.codec.http.DefaultHttpHeaders().set(request.headers()),
                io.netty.handler.codec.http.EmptyHttpHeaders.INSTANCE);
        return new HttpCall(channel, copy, method, path, rawQuery);
    }

    static HttpCall of(Channel channel, FullHttpRequest request) {
        String uri = request.uri();
        int q = uri.indexOf('?');
        int hash = uri.indexOf('#');
        String query = q >= 0 ? uri.substring(q + 1, hash > q ? hash : uri.length()) : null;
        return new HttpCall(channel, request, request.method().name(), path(uri), query);
    }

    /** The path of a request target: no query or fragment, the scheme and authority of an absolute-form URI removed. */
    static String path(String uri) {
        int q = uri.indexOf('?');
        int hash = uri.indexOf('#');
        String path = q >= 0 ? uri.substring(0, q) : hash >= 0 ? uri.substring(0, hash) : uri;
        if (path.startsWith("http://") || path.startsWith("https://")) {
            int slash = path.indexOf('/', path.indexOf("//") + 2);
            path = slash >= 0 ? path.substring(slash) : "/";
        }
        return path;
    }
}
