package io.tracker.core.privacy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import org.junit.jupiter.api.Test;

/** Test vectors from spec §16 (the Go tracker's algorithms). */
class HashesTest {

    @Test
    void hostHashMatchesGoVector() {
        assertEquals("ixzovd", Hashes.hostHash("localhost:8443"));
    }

    @Test
    void browserHashMatchesGoVector() {
        assertEquals("12trsf", Hashes.browserHash("curl/8.5.0"));
        assertEquals(Hashes.browserHash("curl/8.5.0"), Hashes.browserHash("  CURL/8.5.0 "));
    }

    @Test
    void shaMatchesSeededAdminPassword() {
        assertEquals("W6ph5Mm5Pz8GgiULbPgzG37mj9g=", Hashes.sha("password"));
        assertEquals("Y6cQVpJhoks3ZidbcADOjXsy4vc=", Hashes.sha("user@example.com"));
    }

    @Test
    void piiHashNormalisesAndSalts() {
        assertEquals(Hashes.sha("user@example.com"), Hashes.piiHash("", "  User@Example.com "));
        assertNotEquals(Hashes.piiHash("", "user@example.com"), Hashes.piiHash("pepper", "user@example.com"));
        assertEquals(Hashes.sha("pepperuser@example.com"), Hashes.piiHash("pepper", "user@example.com"));
    }

    @Test
    void fnvHashesTheUtf8BytesOfNonAsciiText() {
        String host = "bücher.example";
        int h = 0x811c9dc5;
        for (byte b : host.getBytes(java.nio.charset.StandardCharsets.UTF_8)) {
            h ^= (b & 0xff);
            h *= 0x01000193;
        }
        assertEquals(Integer.toUnsignedLong(h), Hashes.fnv1a32(host));
    }
}
