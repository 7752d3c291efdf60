package io.tracker.server.http;

import io.netty.channel.Channel;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.NetUtil;
import java.net.InetSocketAddress;
import java.util.Locale;

/**
 * Client IP and host (spec §4.1). Proxy headers are honoured only when {@code server.trustProxyHeaders}
 * is on: they are trivially spoofed by anyone reaching the port directly.
 */
public final class ClientAddress {
    private final boolean trustProxyHeaders;

    public ClientAddress(boolean trustProxyHeaders) {
        this.trustProxyHeaders = trustProxyHeaders;
    }

    public String ip(Channel ch, HttpHeaders headers) {
        if (trustProxyHeaders) {
            String real = firstIp(headers.get("X-Real-IP"));
            if (real != null) {
                return real;
            }
            String forwarded = firstIp(headers.get("X-Forwarded-For"));
            if (forwarded != null) {
                return forwarded;
            }
        }
        if (ch.remoteAddress() instanceof InetSocketAddress a && a.getAddress() != null) {
            return a.getAddress().getHostAddress();
        }
        return null;
    }

    /** Host without port, lower-case (quirk §18.6 fixed: the port is never part of the host). */
    public String host(HttpHeaders headers) {
        String h = trustProxyHeaders && headers.get("X-Forwarded-Host") != null
                ? headers.get("X-Forwarded-Host") : headers.get("Host");
        if (h == null) {
            return null;
        }
        h = h.split(",", 2)[0].trim();
        if (h.startsWith("[")) {
            int end = h.indexOf(']');
            return end > 0 ? h.substring(0, end + 1).toLowerCase(Locale.ROOT) : h.toLowerCase(Locale.ROOT);
        }
        int colon = h.indexOf(':');
        return (colon >= 0 ? h.substring(0, colon) : h).toLowerCase(Locale.ROOT);
    }

    /** The first element of a comma list that is a literal IP address. */
    private static String firstIp(String header) {
        if (header == null) {
            return null;
        }
        for (String part : header.split(",")) {
            String p = part.trim();
            if (NetUtil.isValidIpV4Address(p) || NetUtil.isValidIpV6Address(p)) {
                return p;
            }
        }
        return null;
    }
}
