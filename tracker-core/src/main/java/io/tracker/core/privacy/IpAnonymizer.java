package io.tracker.core.privacy;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.HexFormat;
import java.util.function.Supplier;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * What of a client IP may be stored ({@code privacy.ipMode}). Applied before a row is built, so no table ever
 * receives more than this. The {@code hash} mode keys an HMAC-SHA256 with a random salt that lives only in this
 * process and is replaced every UTC day: hashes join within a day, and once the salt is gone nobody — not even
 * the operator — can enumerate the 2^32 IPv4 addresses back out of them.
 */
public final class IpAnonymizer {
    public enum Mode { NONE, TRUNCATE, HASH, DROP }

    private final Mode mode;
    private final Supplier<LocalDate> today;
    private final SecureRandom random = new SecureRandom();
    /** Today's salt, read without a lock on every event; replaced under the lock at the day's first use. */
    private volatile DaySalt current;

    private record DaySalt(LocalDate day, byte[] salt) {
    }

    public IpAnonymizer(String mode) {
        this(Mode.valueOf(mode.toUpperCase(java.util.Locale.ROOT)), () -> LocalDate.now(ZoneOffset.UTC));
    }

    IpAnonymizer(Mode mode, Supplier<LocalDate> today) {
        this.mode = mode;
        this.today = today;
    }

    public Mode mode() {
        return mode;
    }

    /** The storable form of {@code ip}, or null when nothing may be stored (or {@code ip} is not an IP literal). */
    public String apply(String ip) {
        if (ip == null || ip.isEmpty()) {
            return null;
        }
        return switch (mode) {
            case NONE -> ip;
            case DROP -> null;
            case TRUNCATE -> truncate(ip);
            case HASH -> hash(ip);
        };
    }

    /**
     * The {@code iphash} column: the same keyed, daily-rotating HMAC as {@code hash} mode, in every mode but
     * {@code drop} (which stores nothing of the IP, hash included). An unsalted hash of an IP is no protection: the
     * 2^32 IPv4 addresses are enumerated in seconds.
     */
    public String iphash(String ip) {
        if (ip == null || ip.isEmpty() || mode == Mode.DROP) {
            return null;
        }
        return hash(ip);
    }


    /** IPv4: last octet zeroed ({@code 203.0.113.77} → {@code 203.0.113.0}); IPv6: all but the first 48 bits zeroed. */
    public static String truncate(String ip) {
        if (io.tracker.core.config.Cidr.isIpv4(ip)) { // the common case, without an InetAddress per event
            return ip.substring(0, ip.lastIndexOf('.') + 1) + "0";
        }
        byte[] b = io.tracker.core.config.Cidr.literal(ip);
        if (b == null) {
            return null;
        }
        int keep = b.length == 4 ? 3 : 6;
        for (int i = keep; i < b.length; i++) {
            b[i] = 0;
        }
        try {
            return InetAddress.getByAddress(b).getHostAddress();
        } catch (UnknownHostException e) {
            return null;
        }
    }

    /** One keyed Mac per thread and salt: building one per event cost more than the rest of the IP handling. */
    private final ThreadLocal<KeyedMac> macs = new ThreadLocal<>();

    private record KeyedMac(byte[] salt, Mac mac) {
    }

    /**
     * The last hashes made on this thread, by address (direct-mapped, 256 slots): a keep-alive connection or a busy
     * client sends many hits from one address, and the HMAC was a tenth of the pipeline.
     */
    private final ThreadLocal<Recent> recent = ThreadLocal.withInitial(Recent::new);

    /** A thread's cache: every entry made with {@code salt}; emptied, not left to age out, when the salt rotates. */
    private static final class Recent {
        byte[] salt;
        final String[] ips = new String[256];
        final String[] hashes = new String[256];
    }

    private String hash(String ip) {
        byte[] key = saltFor(today.get());
        Recent cache = recent.get();
        if (cache.salt != key) {
            java.util.Arrays.fill(cache.ips, null);
            java.util.Arrays.fill(cache.hashes, null);
            cache.salt = key;
        }
        int slot = (ip.hashCode() ^ (ip.hashCode() >>> 16)) & (cache.ips.length - 1);
        if (ip.equals(cache.ips[slot])) {
            return cache.hashes[slot];
        }
        String hash = hmac(key, ip);
        cache.ips[slot] = ip;
        cache.hashes[slot] = hash;
        return hash;
    }

    private String hmac(byte[] key, String ip) {
        KeyedMac km = macs.get();
        if (km == null || km.salt() != key) { // the salt array is replaced, never changed, at the day's rotation
            try {
                Mac mac = Mac.getInstance("HmacSHA256");
                mac.init(new SecretKeySpec(key, "HmacSHA256"));
                km = new KeyedMac(key, mac);
                macs.set(km);
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("HmacSHA256 unavailable", e);
            }
        }
        return HexFormat.of().formatHex(km.mac().doFinal(ip.getBytes(StandardCharsets.UTF_8)), 0, 16);
    }

    private byte[] saltFor(LocalDate day) {
        DaySalt d = current;
        if (d != null && d.day().equals(day)) {
            return d.salt();
        }
        synchronized (this) {
            d = current;
            if (d == null || !d.day().equals(day)) {
                byte[] s = new byte[32];
                random.nextBytes(s);
                d = new DaySalt(day, s);
                current = d;
            }
            return d.salt();
        }
    }

}
