package io.tracker.core.privacy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The server secret: 32 random bytes made at the first start in {@code <dataDir>/secret.key} (owner-only, fsynced)
 * and kept, so what is derived from it survives restarts. Each use gets its own key, derived with HMAC under a label:
 * the salt of the e-mail/phone/user-name hashes when {@code privacy.hashSalt} is empty, and the key that signs
 * redirect targets. The file never leaves the data directory; nothing derived from it is logged.
 */
public final class Secrets {
    private static final String FILE = "secret.key";
    private final byte[] key;

    private Secrets(byte[] key) {
        this.key = key;
    }

    /** Reads the data directory's secret, creating it on the first start. */
    public static Secrets load(Path dataDir) throws IOException {
        Path file = dataDir.resolve(FILE);
        Files.createDirectories(dataDir);
        if (!Files.exists(file)) {
            byte[] k = new byte[32];
            new SecureRandom().nextBytes(k);
            Path tmp = dataDir.resolve(FILE + ".new");
            Files.deleteIfExists(tmp);
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                try {
                    Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
                } catch (UnsupportedOperationException ignored) {
                    // not a POSIX file system: the data directory's own permissions protect it
                }
                ch.write(ByteBuffer.wrap((HexFormat.of().formatHex(k) + "\n").getBytes(StandardCharsets.US_ASCII)));
                ch.force(true);
            }
            try {
                Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            } catch (FileAlreadyExistsException raced) {
                Files.deleteIfExists(tmp);
            }
            try (FileChannel d = FileChannel.open(dataDir, StandardOpenOption.READ)) {
                d.force(true);
            }
        }
        String hex = Files.readString(file, StandardCharsets.US_ASCII).trim();
        if (!hex.matches("[0-9a-f]{64}")) {
            throw new IOException(file + " is not a tracker secret (64 hex digits); move it away to make a new one");
        }
        return new Secrets(HexFormat.of().parseHex(hex));
    }

    /** The salt of ehash/chash/uhash when none is configured. */
    public String piiSalt() {
        return HexFormat.of().formatHex(derive("pii-hash-salt"));
    }

    /** The key of the UUIDs that stand for clients' non-UUID user ids ({@link UserIds}). */
    public byte[] userIdKey() {
        return derive("user-id-uuid");
    }

    /** The key of redirect-target signatures. */
    public byte[] linkKey() {
        return derive("redirect-signature");
    }

    /** The key that signs the messages of a cluster's nodes to each other (every node holds the same secret.key). */
    public byte[] clusterKey() {
        return derive("cluster-bus");
    }

    private byte[] derive(String label) {
        return hmac(key, label.getBytes(StandardCharsets.UTF_8));
    }

    static byte[] hmac(byte[] key, byte[] data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }
}
