package io.tracker.core.config;

import java.util.List;

/**
 * Who may use the admin APIs (short links, data-subject export/erasure, LTV totals). No credential exists by
 * default: without one every admin call answers 401.
 *
 * @param token       a bearer token, meant to come from the environment ({@code TRACKER_ADMIN_TOKEN}); only its
 *                    SHA-256 is kept in memory
 * @param tokenSha256 hex SHA-256 digests of accepted bearer tokens (for config files: never a token itself)
 * @param accounts    HTTP basic credentials: user names with PBKDF2 password hashes ({@code tracker hash-password})
 * @param allowedOrigins web origins (e.g. {@code https://admin.example.com}) whose pages may call the admin routes
 *                    from a browser: only they get CORS headers there (never {@code *}, never an echo), and an admin
 *                    request from any other page is refused 403 — a cached Basic login cannot be used cross-site.
 *                    Default empty: admin routes are for servers and command-line tools
 */
public record AdminConfig(String token, List<String> tokenSha256, List<Account> accounts, List<String> allowedOrigins) {

    public AdminConfig {
        tokenSha256 = tokenSha256 == null ? List.of() : List.copyOf(tokenSha256);
        accounts = accounts == null ? List.of() : List.copyOf(accounts);
        allowedOrigins = allowedOrigins == null ? List.of() : List.copyOf(allowedOrigins);
    }

    public static AdminConfig standard() {
        return new AdminConfig("", List.of(), List.of(), List.of());
    }

    /** @param passwordHash {@code pbkdf2-sha256$<iterations>$<salt base64>$<hash base64>} */
    public record Account(String user, String passwordHash) {
    }

    void validate(Validation v) {
        v.origins("admin.allowedOrigins", allowedOrigins);
        for (int i = 0; i < tokenSha256.size(); i++) {
            String h = tokenSha256.get(i);
            if (h == null || !h.matches("[0-9a-fA-F]{64}")) {
                v.fail("admin.tokenSha256[" + i + "]", "must be 64 hex digits (a SHA-256), never the token itself");
            }
        }
        for (int i = 0; i < accounts.size(); i++) {
            Account a = accounts.get(i);
            if (a == null || a.user() == null || a.user().isBlank()) {
                v.fail("admin.accounts[" + i + "].user", "must not be empty");
            } else if (a.passwordHash() == null || !a.passwordHash().startsWith("pbkdf2-sha256$")
                    || a.passwordHash().split("\\$").length != 4) {
                v.fail("admin.accounts[" + i + "].passwordHash", "must be pbkdf2-sha256$iterations$salt$hash "
                        + "(make one with: tracker hash-password)");
            }
        }
    }
}
