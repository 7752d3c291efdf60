package io.tracker.core.pipeline.steps;

import io.tracker.core.pipeline.EventContext;
import io.tracker.core.pipeline.Step;
import io.tracker.core.pipeline.StepResult;
import io.tracker.core.privacy.Hashes;
import java.util.Map;

/**
 * Spec §4.2: {@code email}, {@code cell} and {@code uname} are never stored raw; they become salted
 * hashes ({@code ehash}, {@code chash}, {@code uhash}), a client-supplied hash taking precedence. {@code em} and
 * {@code ph} (Meta's matching keys) are kept only as SHA-256 hashes the client made; a raw value is dropped.
 */
public final class PiiHashStep implements Step {
    private static final String[][] FIELDS = {{"email", "ehash"}, {"cell", "chash"}, {"uname", "uhash"}};
    private static final String[] HASHED_ONLY = {"em", "ph"};
    /**
     * What a client's own hash may look like: a digest in base64 / base64url (ours is a padded base64url SHA-1) or hex,
     * 16 to 128 characters. An email address, a phone number or a short name does not pass and is hashed here.
     */
    private static final java.util.regex.Pattern PII_HASH = java.util.regex.Pattern.compile("[A-Za-z0-9_+/-]{16,128}={0,2}");
    private static final java.util.regex.Pattern SHA256_HEX = java.util.regex.Pattern.compile("[0-9a-fA-F]{64}");

    private final String salt;

    public PiiHashStep(String salt) {
        this.salt = salt;
    }

    @Override
    public String name() {
        return "pii-hash";
    }

    @Override
    public StepResult apply(EventContext event) {
        Map<String, Object> values = event.values();
        for (String[] f : FIELDS) {
            Object raw = values.remove(f[0]);
            if (raw != null && !values.containsKey(f[1])) {
                String s = raw instanceof String str ? str : String.valueOf(raw);
                if (!s.isBlank()) {
                    values.put(f[1], Hashes.piiHash(salt, s)); // ours: a digest, not checked again
                }
                continue;
            }
            Object given = values.get(f[1]);
            if (given != null && !(given instanceof String h && looksLikeDigest(h))) {
                // a client's own ehash / chash / uhash is kept only if it looks like a digest; anything else (an
                // address sent as "ehash") is hashed here, so no raw identifier reaches events or the side tables
                values.put(f[1], Hashes.piiHash(salt, String.valueOf(given)));
            }
        }
        // em / ph are Meta's matching keys (the Conversions API session sends them): only as the client hashed them
        // (SHA-256 of the normalised value, 64 hex digits); a raw email or phone number is never stored.
        for (String k : HASHED_ONLY) {
            Object v = values.get(k);
            if (v != null && !(v instanceof String str && SHA256_HEX.matcher(str.trim()).matches())) {
                values.remove(k);
            } else if (v instanceof String str) {
                values.put(k, str.trim().toLowerCase(java.util.Locale.ROOT));
            }
        }
        return StepResult.CONTINUE;
    }

    /** {@link #PII_HASH} without a Matcher: this runs for every event that carries a client's own hash. */
    static boolean looksLikeDigest(String h) {
        int n = h.length();
        int end = n;
        while (end > 0 && n - end < 2 && h.charAt(end - 1) == '=') {
            end--;
        }
        if (end < 16 || end > 128) {
            return false;
        }
        for (int i = 0; i < end; i++) {
            char c = h.charAt(i);
            if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '+'
                    || c == '/' || c == '-')) {
                return false;
            }
        }
        return true;
    }

    /**
     * The same rule on a params object about to be stored (a client's nested {@code params}, a consumed record's): an
     * {@code em}/{@code ph} that is not a client SHA-256 is removed, one that is is lower-cased.
     */
    public static void keepOnlyHashes(com.fasterxml.jackson.databind.node.ObjectNode params) {
        if (params == null) {
            return;
        }
        for (String k : HASHED_ONLY) {
            com.fasterxml.jackson.databind.JsonNode v = params.get(k);
            if (v == null) {
                continue;
            }
            if (v.isTextual() && SHA256_HEX.matcher(v.asText().trim()).matches()) {
                params.put(k, v.asText().trim().toLowerCase(java.util.Locale.ROOT));
            } else {
                params.remove(k);
            }
        }
    }
}
