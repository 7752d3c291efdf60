package io.tracker.core.privacy;

import io.tracker.core.pipeline.EventIds;
import java.nio.charset.StandardCharsets;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.util.UUID;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The {@code uid} of a client's user id. {@code uid} is a UUID column (spec §4.3); the event APIs of other trackers send
 * any string ({@code "user-42"}, an e-mail address). A UUID is kept as it is; any other id becomes a version-8 UUID
 * of HMAC-SHA256 under the data directory's secret, of the tenant and the id: the same id of the same tenant always
 * maps to the same uid (so it can be looked up again), it cannot be reversed by hashing a list of guesses without the
 * secret, and the same id in two tenants gives two uids.
 */
public final class UserIds {
    private final SecretKeySpec key;

    public UserIds(byte[] key) {
        this.key = new SecretKeySpec(key, "HmacSHA256");
    }

    /** The uid of {@code userId} in tenant {@code oid} (null for a blank id). */
    public UUID uid(UUID oid, String userId) {
        if (userId == null || userId.isBlank()) {
            return null;
        }
        UUID u = EventIds.parse(userId.trim());
        return u != null ? u : keyed(oid + "\n" + userId);
    }

    /**
     * A keyed UUID of {@code id} in {@code namespace} of tenant {@code oid}, even when {@code id} is a UUID itself (a
     * client's message id made an event id: two tenants' equal ids never give one eid). Disjoint from {@link #uid}.
     */
    public UUID derived(UUID oid, String namespace, String id) {
        return keyed(namespace + "\u0000" + oid + "\n" + id);
    }

    private UUID keyed(String input) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(key);
            byte[] h = mac.doFinal(input.getBytes(StandardCharsets.UTF_8));
            h[6] = (byte) ((h[6] & 0x0f) | 0x80); // version 8 (custom)
            h[8] = (byte) ((h[8] & 0x3f) | 0x80); // RFC 4122 variant
            ByteBuffer b = ByteBuffer.wrap(h, 0, 16);
            return new UUID(b.getLong(), b.getLong());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }
}
