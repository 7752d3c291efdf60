package io.tracker.core.config;

import java.util.Map;

/**
 * What personal data is kept, and for how long.
 *
 * @param ipMode            what is stored of a client IP, wherever one is stored ({@code events.ip},
 *                          {@code agreements.ip}): {@code none} (the raw address — no anonymization),
 *                          {@code truncate} (last IPv4 octet / all but the first 48 bits of IPv6 zeroed; the default),
 *                          {@code hash} (HMAC-SHA256 under a salt that rotates daily and is never stored with the
 *                          data: same-day joins work, older hashes cannot be reversed) or {@code drop} (nothing)
 * @param hashSalt          salt prepended before hashing email/cell/uname (spec §4.2 PrefixPrivateHash); set it in
 *                          production through TRACKER_PRIVACY_HASH_SALT, never in a committed file
 * @param defaultConsent    consent flags assumed for an event that carries none (no {@code cflags} value, no
 *                          {@code CookieConsent} cookie). Bits: 1 essential, 2 preferences, 4 analytics,
 *                          8 marketing. 15 (everything) matches the Go tracker; set 1 where consent must be opt-in
 * @param retentionDays     per table: rows older than this many days are deleted by {@code tracker --prune};
 *                          a table not listed is kept
 * @param logsRetentionDays {@code --prune --logs-only}: dead-letter files older than this are deleted
 */
public record PrivacyConfig(String ipMode, String hashSalt, long defaultConsent, Map<String, Integer> retentionDays,
                            int logsRetentionDays) {

    public PrivacyConfig withHashSalt(String salt) {
        return new PrivacyConfig(ipMode, salt, defaultConsent, retentionDays, logsRetentionDays);
    }

    public static final long ESSENTIAL = 1;
    public static final long PREFERENCES = 2;
    public static final long ANALYTICS = 4;
    public static final long MARKETING = 8;

    public PrivacyConfig {
        retentionDays = retentionDays == null ? Map.of() : Map.copyOf(retentionDays);
    }

    public static PrivacyConfig standard() {
        return new PrivacyConfig("truncate", "", 15, Map.of("events", 395), 30);
    }

    void validate(Validation v) {
        v.oneOf("privacy.ipMode", ipMode, "none", "truncate", "hash", "drop");
        v.notNull("privacy.hashSalt", hashSalt);
        v.range("privacy.defaultConsent", defaultConsent, 0, Long.MAX_VALUE);
        retentionDays.forEach((t, d) -> v.range("privacy.retentionDays." + t, d == null ? -1 : d, 1, 100_000));
        v.range("privacy.logsRetentionDays", logsRetentionDays, 1, 100_000);
    }
}
