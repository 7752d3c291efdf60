package io.tracker.server.http;

import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpRequestDecoder;

/**
 * Netty's request decoder, refusing what request smuggling is made of: a message with both {@code Content-Length} and
 * {@code Transfer-Encoding} is marked failed (Netty would drop the length and read chunks, RFC 9112 §6.1 allows a
 * server to do so, but a proxy in front may have framed it by the length). The router answers a failed message 400 and
 * closes the connection, so nothing after it on the wire is read as another request.
 */
final class StrictRequestDecoder extends HttpRequestDecoder {
    StrictRequestDecoder(int maxInitialLineLength, int maxHeaderSize, int maxChunkSize) {
        super(maxInitialLineLength, maxHeaderSize, maxChunkSize);
    }

    @Override
    protected void handleTransferEncodingChunkedWithContentLength(HttpMessage message) {
        super.handleTransferEncodingChunkedWithContentLength(message);
        message.setDecoderResult(DecoderResult.failure(new IllegalArgumentException(
                "both Content-Length and Transfer-Encoding: refused (request smuggling)")));
    }
}
