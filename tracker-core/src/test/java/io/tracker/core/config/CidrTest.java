package io.tracker.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The IPv4 literal check without a regex per call agrees with the dotted-quad grammar it replaced. */
class CidrTest {
    private static final Pattern GRAMMAR = Pattern.compile(
            "(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}");

    @Test
    void isIpv4AgreesWithTheGrammar() {
        for (String s : new String[] {"0.0.0.0", "255.255.255.255", "203.0.113.9", "1.2.3", "1.2.3.4.5", "256.1.1.1",
                "01.2.3.4", "1.2.3.04", "1..2.3", ".1.2.3", "1.2.3.", "1.2.3.4 ", "", "a.b.c.d", "1.2.3.1000", "::1",
                "10.0.0.255", "199.99.9.0"}) {
            assertEquals(GRAMMAR.matcher(s).matches(), Cidr.isIpv4(s), s);
        }
        Random r = new Random(7);
        String alphabet = "0123456789.";
        for (int n = 0; n < 200_000; n++) {
            StringBuilder sb = new StringBuilder();
            for (int i = r.nextInt(16); i > 0; i--) {
                sb.append(alphabet.charAt(r.nextInt(alphabet.length())));
            }
            String s = sb.toString();
            assertEquals(GRAMMAR.matcher(s).matches(), Cidr.isIpv4(s), s);
        }
        assertTrue(Cidr.isIpv4("192.168.1.1"));
        assertFalse(Cidr.isIpv4("192.168.1.256"));
    }
}
