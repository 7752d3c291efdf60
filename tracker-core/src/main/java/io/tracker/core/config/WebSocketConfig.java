package io.tracker.core.config;

import java.util.List;

/**
 * The LZ4 WebSocket {@code /tr/v1/ws} (spec §2.7, §13).
 *
 * @param maxFrameBytes     largest frame (after reassembling continuations, before LZ4); a larger one closes the
 *                          connection with 1009 (too big)
 * @param maxDecodedBytes   largest declared uncompressed length of a binary LZ4 frame; above it the frame is skipped
 * @param idleTimeoutSeconds a connection with no frame for this long is closed
 * @param maxInFlight       frames of one connection admitted but not yet durable; above it the connection is not
 *                          read (TCP back-pressure) until they are
 * @param allowedOrigins    origins whose pages may connect; empty = any (the Go tracker's behaviour)
 */
public record WebSocketConfig(int maxFrameBytes, int maxDecodedBytes, int idleTimeoutSeconds, int maxInFlight,
                              List<String> allowedOrigins) {

    public WebSocketConfig {
        allowedOrigins = allowedOrigins == null ? List.of() : List.copyOf(allowedOrigins);
    }

    public static WebSocketConfig standard() {
        return new WebSocketConfig(1 << 20, 8 << 20, 300, 256, List.of());
    }

    void validate(Validation v) {
        v.range("websocket.maxFrameBytes", maxFrameBytes, 1024, 64 << 20);
        v.range("websocket.maxDecodedBytes", maxDecodedBytes, 1024, 256 << 20);
        v.range("websocket.idleTimeoutSeconds", idleTimeoutSeconds, 1, 86_400);
        v.range("websocket.maxInFlight", maxInFlight, 1, 100_000);
        v.origins("websocket.allowedOrigins", allowedOrigins);
    }
}
