package io.tracker.core.privacy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.time.LocalDate;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class IpAnonymizerTest {
    @Test
    void truncatesIpv4ToTheNetworkAndIpv6ToA48() {
        assertEquals("203.0.113.0", IpAnonymizer.truncate("203.0.113.77"));
        assertEquals("2001:db8:85a3:0:0:0:0:0", IpAnonymizer.truncate("2001:db8:85a3:8d3:1319:8a2e:370:7348"));
        assertNull(IpAnonymizer.truncate("example.com"), "never a DNS lookup");
    }

    @Test
    void modesNoneDropAndHash() {
        assertEquals("203.0.113.77", new IpAnonymizer("none").apply("203.0.113.77"));
        assertNull(new IpAnonymizer("drop").apply("203.0.113.77"));
        AtomicReference<LocalDate> day = new AtomicReference<>(LocalDate.of(2026, 11, 22));
        IpAnonymizer hash = new IpAnonymizer(IpAnonymizer.Mode.HASH, day::get);
        String first = hash.apply("203.0.113.77");
        assertEquals(32, first.length());
        assertEquals(first, hash.apply("203.0.113.77"), "stable within a day");
        assertNotEquals(first, hash.apply("203.0.113.78"));
        day.set(LocalDate.of(2026, 11, 23));
        assertNotEquals(first, hash.apply("203.0.113.77"), "the salt rotates with the day");
        assertNotEquals(first, new IpAnonymizer(IpAnonymizer.Mode.HASH, () -> LocalDate.of(2026, 11, 22))
                .apply("203.0.113.77"), "the salt is random per process, not derivable");
    }
}
