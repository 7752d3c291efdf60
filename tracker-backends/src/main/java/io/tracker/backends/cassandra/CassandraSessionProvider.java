package io.tracker.backends.cassandra;

import io.tracker.core.config.SessionConfig;
import io.tracker.core.config.Validation;
import io.tracker.core.session.Session;
import io.tracker.core.session.SessionProvider;
import io.tracker.core.session.SessionSettings;
import java.nio.file.Path;

/** {@code "type": "cassandra"}. */
public final class CassandraSessionProvider implements SessionProvider {
    @Override
    public String type() {
        return "cassandra";
    }

    @Override
    public Session create(SessionConfig config, String keyPrefix, Path dataDir) {
        String p = keyPrefix + ".settings";
        CassandraSettings s = SessionSettings.bind(config, keyPrefix, CassandraSettings.standard(), CassandraSettings.class);
        Validation v = new Validation();
        if (s.contactPoints().isEmpty()) {
            v.fail(p + ".contactPoints", "at least one host:port is required");
        }
        for (int i = 0; i < s.contactPoints().size(); i++) {
            String cp = s.contactPoints().get(i);
            if (cp == null || !cp.matches("[A-Za-z0-9.\\-\\[\\]:]+:\\d{1,5}")) {
                v.fail(p + ".contactPoints[" + i + "]", "must be host:port (got '" + cp + "')");
            }
        }
        v.notBlank(p + ".localDatacenter", s.localDatacenter());
        if (v.notNull(p + ".keyspace", s.keyspace()) && !s.keyspace().matches("[A-Za-z][A-Za-z0-9_]{0,47}")) {
            v.fail(p + ".keyspace", "a letter, then letters, digits and underscore, at most 48 (got '" + s.keyspace() + "')");
        }
        v.oneOf(p + ".replicationStrategy", s.replicationStrategy(), "SimpleStrategy", "NetworkTopologyStrategy");
        v.range(p + ".replicationFactor", s.replicationFactor(), 1, 20);
        v.notNull(p + ".user", s.user());
        v.notNull(p + ".password", s.password());
        v.range(p + ".requestTimeoutMillis", s.requestTimeoutMillis(), 100, 600_000);
        v.range(p + ".schemaTimeoutMillis", s.schemaTimeoutMillis(), 1_000, 600_000);
        v.range(p + ".maxInFlight", s.maxInFlight(), 1, 10_000);
        v.throwIfInvalid();
        return new CassandraSession(config.name(), s);
    }
}
