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
            endpoint(v, prefix + ".url", s.url());
        }
        for (int i = 0; i < s.urls().size(); i++) {
            endpoint(v, prefix + ".urls[" + i + "]", s.urls().get(i));
        }
        if (!s.cluster().isEmpty() && !s.cluster().matches("[A-Za-z_][A-Za-z0-9_]*")) {
            v.fail(prefix + ".cluster", "letters, digits and underscore only (got '" + s.cluster() + "')");
        }
        v.range(prefix + ".insertQuorum", s.insertQuorum(), 0, 16);
        if (s.insertQuorum() > 0 && !s.clustered()) {
            v.fail(prefix + ".insertQuorum", "needs cluster (a quorum of replicas of ReplicatedMergeTree tables)");
        }
        if (s.clustered() && s.autoCreateSchema()) {
            v.fail(prefix + ".autoCreateSchema", "the cluster layout is applied by the operator (scripts/cluster-local.sh, "
                    + "deploy/cluster/init-schema.sh): set false with cluster");
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

    private static void endpoint(Validation v, String key, String url) {
        try {
            URI u = URI.create(url);
            if (!("http".equals(u.getScheme()) || "https".equals(u.getScheme())) || u.getHost() == null) {
                v.fail(key, "must be an http(s) URL such as http://127.0.0.1:8123");
            } else if (u.getUserInfo() != null) {
                v.fail(key, "must not carry credentials; use user and password");
            }
        } catch (IllegalArgumentException e) {
            v.fail(key, "not a URL: " + e.getMessage());
        }
    }
}
