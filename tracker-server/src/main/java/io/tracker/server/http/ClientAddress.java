package io.tracker.server.http;

import io.netty.channel.Channel;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.NetUtil;
import io.tracker.core.config.Cidr;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Locale;

/**
 * Client IP, host and scheme (spec §4.1). Proxy headers are honoured only when {@code server.trustProxyHeaders} is on
 * (they are trivially spoofed by anyone reaching the port directly), and then only from a peer that is one of
 * {@code server.trustedProxies} when that list is set. The client is the rightmost {@code X-Forwarded-For} hop that is
 * not a trusted proxy: every proxy appends the address it saw, so the entries left of the last trusted one were
 * written by the client and prove nothing.
 */
public final class ClientAddress {
    private final boolean trustProxyHeaders;
    private final List<Cidr> trustedProxies;
    private final boolean realIpHeader;

    public ClientAddress(boolean trustProxyHeaders) {
        this(trustProxyHeaders, List.of(), "X-Forwarded-For");
    }

    public ClientAddress(boolean trustProxyHeaders, List<String> trustedProxies, String clientIpHeader) {
        this.trustProxyHeaders = trustProxyHeaders;
        this.trustedProxies = Cidr.parseAll(trustedProxies);
        this.realIpHeader = "X-Real-IP".equalsIgnoreCase(clientIpHeader);
    }

    public String ip(Channel ch, HttpHeaders headers) {
        String peer = peer(ch);
        if (!trusts(peer)) {
            return peer;
        }
        if (realIpHeader) { // only the header the proxy sets; whatever X-Forwarded-For the client wrote is ignored
            String real = headers.get("X-Real-IP");
            return real != null && isIp(real.trim()) ? real.trim() : peer;
        }
        String forwarded = clientHop(headers.getAll("X-Forwarded-For"));
        return forwarded != null ? forwarded : peer;
    }

    /** Whether the request came through TLS: to this process, or to a trusted proxy that says {@code X-Forwarded-Proto: https}. */
    public boolean secure(Channel ch, HttpHeaders headers) {
        if (Transport.isTls(ch)) {
            return true;
        }
        String proto = headers.get("X-Forwarded-Proto");
        if (!trusts(peer(ch)) || proto == null) {
            return false;
        }
        String[] hops = proto.split(",");
        return hops[hops.length - 1].trim().equalsIgnoreCase("https"); // the value our proxy appended, not the client's
    }

    private static String peer(Channel ch) {
        return ch.remoteAddress() instanceof InetSocketAddress a && a.getAddress() != null
                ? a.getAddress().getHostAddress() : null;
    }

    /** Whether {@code peer} is a proxy whose forwarding headers are believed ({@code server.trustedProxies}). */
    public boolean trusts(String peer) {
        if (!trustProxyHeaders) {
            return false;
        }
        return trustedProxies.isEmpty() || (peer != null && Cidr.anyContains(trustedProxies, Cidr.literal(peer)));
    }

    /** The rightmost hop of the X-Forwarded-For chain that is not a trusted proxy (the last, with no list). */
    private String clientHop(List<String> headerValues) {
        if (headerValues == null || headerValues.isEmpty()) {
            return null;
        }
        String all = String.join(",", headerValues);
        String[] hops = all.split(",");
        String leftmostValid = null;
        for (int i = hops.length - 1; i >= 0; i--) {
            String hop = hops[i].trim();
            if (!isIp(hop)) {
                return leftmostValid; // a hop that is not an address: nothing further left can be trusted
            }
            leftmostValid = hop;
            if (trustedProxies.isEmpty() || !Cidr.anyContains(trustedProxies, Cidr.literal(hop))) {
                return hop;
            }
        }
        return leftmostValid; // every hop is one of ours
    }

    private static boolean isIp(String s) {
        return NetUtil.isValidIpV4Address(s) || NetUtil.isValidIpV6Address(s);
    }

    /**
     * Host without port, lower-case (quirk §18.6 fixed: the port is never part of the host): {@code Host}, or the
     * last {@code X-Forwarded-Host} hop (the one our proxy set) when the peer is a trusted proxy.
     */
    public String host(Channel ch, HttpHeaders headers) {
        List<String> forwarded = headers.getAll("X-Forwarded-Host"); // (a proxy may add a line instead of setting it)
        String h;
        if (!forwarded.isEmpty() && trusts(peer(ch))) {
            String[] hops = forwarded.get(forwarded.size() - 1).split(",");
            h = hops[hops.length - 1].trim();
        } else {
            h = headers.get("Host");
        }
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
}
