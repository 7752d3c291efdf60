package io.tracker.server.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tracker.core.config.TrackingConfig;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The cached cookie attributes give exactly what Netty's encoder gives for each hit, per config and scheme. */
class VidCookieTest {
    private static void assertSameAsNetty(UUID vid, TrackingConfig t, boolean secure) {
        for (int attempt = 0; attempt < 3; attempt++) { // Expires has a one-second grain: retry across a tick
            String cached = VidCookie.encode(vid, t, secure);
            String direct = VidCookie.build(vid.toString(), t, secure);
            if (cached.equals(direct)) {
                return;
            }
        }
        assertEquals(VidCookie.build(vid.toString(), t, secure), VidCookie.encode(vid, t, secure));
    }

    @Test
    void encodesLikeNettyForEachSchemeAndConfig() {
        UUID vid = UUID.randomUUID();
        TrackingConfig standard = TrackingConfig.standard();
        TrackingConfig strict = new TrackingConfig("igqp", true, "example.com", 30, 1_000, "Strict", "always", true);
        for (TrackingConfig t : new TrackingConfig[] {standard, strict, standard}) {
            assertSameAsNetty(vid, t, false);
            assertSameAsNetty(vid, t, true);
            assertSameAsNetty(UUID.randomUUID(), t, false);
        }
        String plain = VidCookie.encode(vid, standard, false);
        assertTrue(plain.startsWith("vid=" + vid + ";") && !plain.contains("Secure"), plain);
        assertTrue(VidCookie.encode(vid, standard, true).contains("Secure"));
        assertTrue(VidCookie.encode(vid, strict, false).contains("Domain=example.com"));
    }
}
