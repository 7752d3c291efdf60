package io.tracker.core.config;

/**
 * HTTP listener settings. Every limit the transport enforces is here, with a default that is safe
 * on a small box.
 *
 * @param host                  bind address
 * @param port                  HTTP port; 0 picks a free one (tests)
 * @param ioThreads             event-loop threads; 0 = one per core
 * @param maxBodyBytes          request bodies above this get 413
 * @param maxHeaderBytes        total header size; above it the request gets 431
 * @param maxInitialLineBytes   request line size; above it the request gets 414
 * @param maxConnections        open connections; the one above gets 503 + Retry-After
 * @param idleTimeoutSeconds    a keep-alive connection with no traffic for this long is closed
 * @param requestTimeoutSeconds a request must arrive whole (headers and body) within this, else 408
 * @param allowOrigin           value of access-control-allow-origin
 * @param trustProxyHeaders     take the client IP from X-Forwarded-For/X-Real-IP (only behind a proxy you run)
 * @param shutdownTimeoutSeconds how long a graceful stop may take to drain queues before giving up
 * @param maxPipelinedRequests  requests one connection may have waiting for their answers; above it the connection
 *                              is not read until answers drain (answers always leave in request order)
 * @param startupWaitSeconds    at start, how long to wait for the sessions' first open before running degraded (HTTP
 *                              is bound at once; a fatal open error — credentials, schema — within it stops the start)
 * @param trustedProxies        with trustProxyHeaders: the proxies' addresses or CIDRs. The client is the rightmost
 *                              X-Forwarded-For hop that is not one of them (the leftmost is whatever the client
 *                              wrote); empty = only the direct peer's own entry is trusted (one proxy hop)
 * @param clientIpHeader        with trustProxyHeaders: {@code X-Forwarded-For} (default; the hop rule above) or
 *                              {@code X-Real-IP} (for a proxy that sets only that one — a client's own X-Forwarded-For
 *                              passes through such a proxy untouched and must not be believed)
 */
public record ServerConfig(
        String host,
        int port,
        int ioThreads,
        int maxBodyBytes,
        int maxHeaderBytes,
        int maxInitialLineBytes,
        int maxConnections,
        int idleTimeoutSeconds,
        int requestTimeoutSeconds,
        String allowOrigin,
        boolean trustProxyHeaders,
        int shutdownTimeoutSeconds,
        int maxPipelinedRequests,
        int startupWaitSeconds,
        java.util.List<String> trustedProxies,
        String clientIpHeader) {

    public ServerConfig {
        trustedProxies = trustedProxies == null ? java.util.List.of() : java.util.List.copyOf(trustedProxies);
        clientIpHeader = clientIpHeader == null ? "X-Forwarded-For" : clientIpHeader;
    }

    public static ServerConfig standard() {
        return new ServerConfig("0.0.0.0", 8080, 0, 1 << 20, 16 * 1024, 8 * 1024, 10_000, 60, 10, "*", false, 30, 16, 60,
                java.util.List.of(), "X-Forwarded-For");
    }

    public ServerConfig withPort(int newPort) {
        return new ServerConfig(host, newPort, ioThreads, maxBodyBytes, maxHeaderBytes, maxInitialLineBytes,
                maxConnections, idleTimeoutSeconds, requestTimeoutSeconds, allowOrigin, trustProxyHeaders,
                shutdownTimeoutSeconds, maxPipelinedRequests, startupWaitSeconds, trustedProxies, clientIpHeader);
    }

    void validate(Validation v) {
        v.notBlank("server.host", host);
        v.range("server.port", port, 0, 65535);
        v.range("server.ioThreads", ioThreads, 0, 256);
        v.range("server.maxBodyBytes", maxBodyBytes, 1024, 512 * 1024 * 1024);
        v.range("server.maxHeaderBytes", maxHeaderBytes, 1024, 1024 * 1024);
        v.range("server.maxInitialLineBytes", maxInitialLineBytes, 256, 1024 * 1024);
        v.range("server.maxConnections", maxConnections, 1, 10_000_000);
        v.range("server.idleTimeoutSeconds", idleTimeoutSeconds, 1, 86_400);
        v.range("server.requestTimeoutSeconds", requestTimeoutSeconds, 1, 3_600);
        v.notBlank("server.allowOrigin", allowOrigin);
        v.range("server.shutdownTimeoutSeconds", shutdownTimeoutSeconds, 1, 3_600);
        v.range("server.maxPipelinedRequests", maxPipelinedRequests, 1, 10_000);
        v.range("server.startupWaitSeconds", startupWaitSeconds, 0, 3_600);
        v.oneOf("server.clientIpHeader", clientIpHeader, new String[] {"X-Forwarded-For", "X-Real-IP"});
        for (int i = 0; i < trustedProxies.size(); i++) {
            if (!Cidr.valid(trustedProxies.get(i))) {
                v.fail("server.trustedProxies[" + i + "]", "must be an IP address or CIDR such as 10.0.0.0/8");
            }
        }
    }
}
