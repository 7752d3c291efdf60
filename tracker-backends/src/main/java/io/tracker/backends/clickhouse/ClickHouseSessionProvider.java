package io.tracker.backends.clickhouse;

import io.tracker.core.config.SessionConfig;
import io.tracker.core.config.Validation;
import io.tracker.core.session.Session;
import io.tracker.core.session.SessionProvider;
import io.tracker.core.session.SessionSettings;
import java.net.URI;
import java.nio.file.Path;

/** {@code "type": "clickhouse"}: the primary store. */
public final class ClickHouseSessionProvider implements SessionProvider {

    @Override
    public String type() {
        return "clickhouse";
    }

    @Override
    public Session create(SessionConfig config, String keyPrefix, Path dataDir) {
        String prefix = keyPrefix + ".settings";
        ClickHouseSettings s = SessionSettings.bind(config, keyPrefix, ClickHouseSettings.standard(), ClickHouseSettings.class);
        Validation v = new Validation();
        if (v.notNull(prefix + ".url", s.url())) {
            try {
                URI u = URI.create(s.url());
                if (!("http".equals(u.getScheme()) || "https".equals(u.getScheme())) || u.getHost() == null) {
                    v.fail(prefix + ".url", "must be an http(s) URL such as http://127.0.0.1:8123");
                } else if (u.getUserInfo() != null) {
                    v.fail(prefix + ".url", "must not carry credentials; use user and password");
                }
            } catch (IllegalArgumentException e) {
                v.fail(prefix + ".url", "not a URL: " + e.getMessage());
            }
        }
        if (v.notNull(prefix + ".database", s.database()) && !s.database().matches("[A-Za-z_][A-Za-z0-9_]*")) {
            v.fail(prefix + ".database", "letters, digits and underscore only (got '" + s.database() + "')");
        }
        v.notBlank(prefix + ".user", s.user());
        v.notNull(prefix + ".password", s.password());
        v.range(prefix + ".connectTimeoutMillis", s.connectTimeoutMillis(), 100, 600_000);
        v.range(prefix + ".socketTimeoutMillis", s.socketTimeoutMillis(), 100, 3_600_000);
        v.range(prefix + ".maxConnections", s.maxConnections(), 1, 1_000);
        v.throwIfInvalid();
        return new ClickHouseSession(config.name(), s);
    }
}
