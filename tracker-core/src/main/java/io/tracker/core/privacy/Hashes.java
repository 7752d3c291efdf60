package io.tracker.core.privacy;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.Locale;

/**
 * The hashes the Go tracker stores (spec §4.2), kept bit-compatible so data from both can be joined.
 * FNV-1a is not a privacy measure: {@code hhash}/{@code bhash} only shorten hosts and user agents. PII
 * ({@code email}, {@code cell}, {@code uname}) goes through {@link #piiHash} with a secret salt; {@code iphash} is
 * keyed too ({@link IpAnonymizer#iphash}), not the Go tracker's unkeyed FNV chain over the IP.
 */
public final class Hashes {
    private static final int FNV_OFFSET = 0x811c9dc5;
    private static final int FNV_PRIME = 0x01000193;

    private Hashes() {
    }

    /** FNV-1a 32-bit of the UTF-8 bytes, as an unsigned value. */
    public static long fnv1a32(String s) {
        int h = FNV_OFFSET;
        int n = s.length();
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c >= 0x80) {
                return fnv1a32Utf8(s); // rare: hosts, IPs and user agents are ASCII
            }
            h ^= c;
            h *= FNV_PRIME;
        }
        return Integer.toUnsignedLong(h);
    }

    private static long fnv1a32Utf8(String s) {
        int h = FNV_OFFSET;
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            h ^= (b & 0xff);
            h *= FNV_PRIME;
        }
        return Integer.toUnsignedLong(h);
    }

    /** {@code base36(fnv1a32(s))}, lower-case, as Go's {@code strconv.FormatInt(int64(h), 36)}. */
    public static String fnv36(String s) {
        return Long.toString(fnv1a32(s), 36);
    }

    /** Host hash: {@code fnv36(lower(host))}. */
    public static String hostHash(String host) {
        return fnv36(host.toLowerCase(Locale.ROOT));
    }

    /** Browser hash: {@code fnv36(lower(trim(userAgent)))}. */
    public static String browserHash(String userAgent) {
        return fnv36(userAgent.trim().toLowerCase(Locale.ROOT));
    }

    /** Base64-URL (padded) SHA-1 of {@code salt + lower(trim(value))}: ehash/chash/uhash (spec §4.2). */
    public static String piiHash(String salt, String value) {
        return sha(salt + value.trim().toLowerCase(Locale.ROOT));
    }

    /** Base64-URL (padded) SHA-1, the Go tracker's {@code sha()}. */
    public static String sha(String s) {
        byte[] d = SHA1.get().digest(s.getBytes(StandardCharsets.UTF_8)); // (digest() resets it for the next call)
        return Base64.getUrlEncoder().encodeToString(d);
    }

    /** Lower-case hex SHA-256 of the UTF-8 bytes (Meta's Conversions API hashes). */
    public static String sha256Hex(String s) {
        return java.util.HexFormat.of().formatHex(SHA256.get().digest(s.getBytes(StandardCharsets.UTF_8)));
    }

    /** One digest per thread: {@code getInstance} looks the provider up reflectively on every call. */
    private static final ThreadLocal<MessageDigest> SHA1 = ThreadLocal.withInitial(() -> digest("SHA-1"));
    private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(() -> digest("SHA-256"));

    private static MessageDigest digest(String algorithm) {
        try {
            return MessageDigest.getInstance(algorithm);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(algorithm + " missing from the JDK", e);
        }
    }
}
