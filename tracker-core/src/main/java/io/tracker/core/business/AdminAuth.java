package io.tracker.core.business;

import io.tracker.core.config.AdminConfig;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;

/**
 * Admin authentication: {@code Authorization: Bearer <token>} checked against SHA-256 digests, or
 * {@code Authorization: Basic} checked against PBKDF2 password hashes — always in constant time, never a secret in
 * a URL, never a secret kept in memory in clear (the env token is hashed at start-up).
 */
public final class AdminAuth {
    private static final int DEFAULT_ITERATIONS = 210_000;

    private final List<byte[]> tokenDigests = new ArrayList<>();
    private final List<AdminConfig.Account> accounts;
    /** Verified against for an unknown user name, so it costs exactly what a known one does (one PBKDF2 run). */
    private final String decoy;

    public AdminAuth(AdminConfig config) {
        if (config.token() != null && !config.token().isBlank()) {
            tokenDigests.add(sha256(config.token()));
        }
        for (String hex : config.tokenSha256()) {
            tokenDigests.add(HexFormat.of().parseHex(hex.toLowerCase(java.util.Locale.ROOT)));
        }
        this.accounts = config.accounts();
        // The decoy costs what the configured hashes cost (their iteration count), so timing tells no user name.
        this.decoy = accounts.isEmpty() ? null : hash("decoy " + System.nanoTime(), new byte[16], iterations(accounts.get(0)));
    }

    public boolean configured() {
        return !tokenDigests.isEmpty() || !accounts.isEmpty();
    }

    /** The principal ({@code token} or the basic user name) of a valid {@code Authorization} header. */
    public Optional<String> authenticate(String authorization) {
        if (authorization == null) {
            return Optional.empty();
        }
        String h = authorization.trim();
        if (h.regionMatches(true, 0, "Bearer ", 0, 7)) {
            byte[] digest = sha256(h.substring(7).trim());
            boolean ok = false;
            for (byte[] d : tokenDigests) {
                ok |= MessageDigest.isEqual(d, digest); // no early exit: timing says nothing about which
            }
            return ok ? Optional.of("token") : Optional.empty();
        }
        if (h.regionMatches(true, 0, "Basic ", 0, 6) && !accounts.isEmpty()) { // no accounts: no PBKDF2 to spend
            String decoded;
            try {
                decoded = new String(Base64.getDecoder().decode(h.substring(6).trim()), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                return Optional.empty();
            }
            int colon = decoded.indexOf(':');
            if (colon <= 0) {
                return Optional.empty();
            }
            String user = decoded.substring(0, colon);
            String password = decoded.substring(colon + 1);
            for (AdminConfig.Account a : accounts) {
                if (a.user().equals(user)) {
                    return verify(password, a.passwordHash()) ? Optional.of(user) : Optional.empty();
                }
            }
            verify(password, decoy); // the same single PBKDF2 run for unknown users: timing tells no user names
        }
        return Optional.empty();
    }

    private static int iterations(AdminConfig.Account a) {
        try {
            return Integer.parseInt(a.passwordHash().split("\\$")[1]);
        } catch (RuntimeException e) {
            return DEFAULT_ITERATIONS;
        }
    }

    /** A new {@code pbkdf2-sha256$iterations$salt$hash} for {@code password} (the {@code hash-password} command). */
    public static String hashPassword(String password) {
        byte[] salt = new byte[16];
        new SecureRandom().nextBytes(salt);
        return hash(password, salt, DEFAULT_ITERATIONS);
    }

    static boolean verify(String password, String stored) {
        String[] p = stored.split("\\$");
        if (p.length != 4) {
            return false;
        }
        try {
            int iterations = Integer.parseInt(p[1]);
            byte[] salt = Base64.getDecoder().decode(p[2]);
            byte[] expected = Base64.getDecoder().decode(p[3]);
            byte[] actual = Base64.getDecoder().decode(hash(password, salt, iterations).split("\\$")[3]);
            return MessageDigest.isEqual(expected, actual);
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** PBKDF2 runs so far (the test of equal work for known and unknown users counts them). */
    static final java.util.concurrent.atomic.AtomicLong RUNS = new java.util.concurrent.atomic.AtomicLong();

    private static String hash(String password, byte[] salt, int iterations) {
        RUNS.incrementAndGet();
        try {
            PBEKeySpec spec = new PBEKeySpec(password.toCharArray(), salt, iterations, 256);
            byte[] h = SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256").generateSecret(spec).getEncoded();
            Base64.Encoder b64 = Base64.getEncoder();
            return "pbkdf2-sha256$" + iterations + "$" + b64.encodeToString(salt) + "$" + b64.encodeToString(h);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("PBKDF2WithHmacSHA256 unavailable", e);
        }
    }

    static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
