package io.tracker.server.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.Channel;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Who the client is behind proxies: the rightmost hop that is not ours, never what the client wrote. */
class ClientAddressTest {
    private static Channel from(String peer) {
        return new EmbeddedChannel() {
            @Override
            protected SocketAddress remoteAddress0() {
                return new InetSocketAddress(peer, 40000);
            }
        };
    }

    private static HttpHeaders headers(String... kv) {
        HttpHeaders h = new DefaultHttpHeaders();
        for (int i = 0; i + 1 < kv.length; i += 2) {
            h.add(kv[i], kv[i + 1]);
        }
        return h;
    }

    @Test
    void theForwardedHostIsBelievedOnlyFromATrustedProxyAndOnlyItsLastHop() {
        ClientAddress off = new ClientAddress(false);
        assertEquals("tracker.example", off.host(from("10.0.0.2"), headers("Host", "Tracker.example:8080",
                "X-Forwarded-Host", "evil.example")));
        ClientAddress a = new ClientAddress(true, List.of("10.0.0.0/8"), "X-Forwarded-For");
        assertEquals("tracker.example", a.host(from("198.51.100.7"), headers("Host", "tracker.example",
                "X-Forwarded-Host", "evil.example")), "a client talking to us directly cannot pick the host");
        assertEquals("go.example", a.host(from("10.0.0.2"), headers("Host", "10.0.0.9:8081",
                "X-Forwarded-Host", "evil.example, GO.example:443")), "the hop our proxy set, not the client's");
        assertEquals("go.example", a.host(from("10.0.0.2"), headers("X-Forwarded-Host", "evil.example",
                "X-Forwarded-Host", "go.example")), "a line our proxy added after the client's");
    }

    @Test
    void proxyHeadersAreIgnoredUnlessTrusted() {
        ClientAddress a = new ClientAddress(false);
        assertEquals("203.0.113.5", a.ip(from("203.0.113.5"), headers("X-Forwarded-For", "1.2.3.4", "X-Real-IP", "1.2.3.4")));
    }

    @Test
    void theClientIsTheRightmostHopThatIsNotATrustedProxy() {
        ClientAddress one = new ClientAddress(true, List.of(), "X-Forwarded-For");
        assertEquals("198.51.100.2", one.ip(from("10.0.0.1"), headers("X-Forwarded-For", "6.6.6.6, 198.51.100.2")),
                "one proxy: its own entry, not the client-written one on the left");

        ClientAddress chain = new ClientAddress(true, List.of("10.0.0.0/8", "2001:db8::/32"), "X-Forwarded-For");
        assertEquals("198.51.100.7", chain.ip(from("10.0.0.1"),
                headers("X-Forwarded-For", "6.6.6.6, 198.51.100.7, 10.1.1.1")));
        assertEquals("198.51.100.7", chain.ip(from("10.0.0.1"),
                headers("X-Forwarded-For", "6.6.6.6", "X-Forwarded-For", "198.51.100.7, 10.1.1.1")), "repeated headers");
        assertEquals("8.8.8.8", chain.ip(from("8.8.8.8"), headers("X-Forwarded-For", "1.2.3.4")),
                "a peer that is not one of our proxies is the client, whatever it says");
        assertEquals("198.51.100.9", chain.ip(from("10.0.0.1"), headers("X-Forwarded-For", "junk, 198.51.100.9")));
    }

    @Test
    void xRealIpModeBelievesOnlyTheHeaderTheProxySets() {
        ClientAddress a = new ClientAddress(true, List.of(), "X-Real-IP");
        assertEquals("198.51.100.3", a.ip(from("10.0.0.1"),
                headers("X-Forwarded-For", "6.6.6.6", "X-Real-IP", "198.51.100.3")));
        assertEquals("10.0.0.1", a.ip(from("10.0.0.1"), headers("X-Forwarded-For", "6.6.6.6")));
    }

    @Test
    void httpsIsWhatOurProxyAppendedToXForwardedProto() {
        ClientAddress a = new ClientAddress(true, List.of(), "X-Forwarded-For");
        assertTrue(a.secure(from("10.0.0.1"), headers("X-Forwarded-Proto", "http, https")));
        assertFalse(a.secure(from("10.0.0.1"), headers("X-Forwarded-Proto", "https, http")), "the client wrote https");
        assertFalse(new ClientAddress(false).secure(from("10.0.0.1"), headers("X-Forwarded-Proto", "https")));
    }

    @Test
    void ipv6ClientsAreLimitedPerSlash64() {
        byte[] a = io.tracker.core.config.Cidr.literal("2001:db8:1:2:aaaa::1");
        byte[] b = io.tracker.core.config.Cidr.literal("2001:db8:1:2:ffff:1:2:3");
        byte[] c = io.tracker.core.config.Cidr.literal("2001:db8:1:3::1");
        assertEquals(RateLimiter.clientKey("x", a), RateLimiter.clientKey("y", b), "one /64, one bucket");
        assertNotEquals(RateLimiter.clientKey("x", a), RateLimiter.clientKey("z", c));
        assertEquals("203.0.113.1", RateLimiter.clientKey("203.0.113.1", io.tracker.core.config.Cidr.literal("203.0.113.1")));
    }
}
