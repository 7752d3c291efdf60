package io.tracker.core.config;

/**
 * What personal data is kept.
 *
 * @param storeIp  keep the raw client IP in {@code events.ip}; off by default (only {@code iphash} is kept)
 * @param hashSalt salt prepended before hashing email/cell/uname (spec §4.2 PrefixPrivateHash); set it in
 *                 production through TRACKER_PRIVACY_HASH_SALT, never in a committed file
 */
public record PrivacyConfig(boolean storeIp, String hashSalt) {

    public static PrivacyConfig standard() {
        return new PrivacyConfig(false, "");
    }

    void validate(Validation v) {
        v.notNull("privacy.hashSalt", hashSalt);
    }
}
