package io.tracker.backends.nats;

import io.tracker.core.config.SessionConfig;
import io.tracker.core.config.Validation;
import io.tracker.core.session.Session;
import io.tracker.core.session.SessionProvider;
import io.tracker.core.session.SessionSettings;
import java.nio.file.Path;

/** {@code "type": "nats"}. */
public final class NatsSessionProvider implements SessionProvider {
    @Override
    public String type() {
        return "nats";
    }

    @Override
    public Session create(SessionConfig config, String keyPrefix, Path dataDir) {
        String p = keyPrefix + ".settings";
        NatsSettings s = SessionSettings.bind(config, keyPrefix, NatsSettings.standard(), NatsSettings.class);
        Validation v = new Validation();
        if (s.servers().isEmpty()) {
            v.fail(p + ".servers", "at least one nats://host:port is required");
        }
        for (int i = 0; i < s.servers().size(); i++) {
            String u = s.servers().get(i);
            if (u == null || !u.matches("(nats|tls)://[A-Za-z0-9.\\-\\[\\]:]+:\\d{1,5}")) {
                v.fail(p + ".servers[" + i + "]", "must be nats://host:port without credentials (got '" + u + "')");
            }
        }
        if (v.notNull(p + ".subjectPrefix", s.subjectPrefix()) && !s.subjectPrefix().matches("[A-Za-z0-9_\\-]+(\\.[A-Za-z0-9_\\-]+)*")) {
            v.fail(p + ".subjectPrefix", "subject tokens of letters, digits, - and _ separated by dots");
        }
        if (v.notNull(p + ".stream", s.stream()) && !s.stream().matches("[A-Za-z0-9_\\-]+")) {
            v.fail(p + ".stream", "letters, digits, - and _ only");
        }
        v.range(p + ".maxAgeHours", s.maxAgeHours(), 0, 24 * 365 * 100);
        v.range(p + ".maxBytes", s.maxBytes(), -1, Long.MAX_VALUE);
        v.range(p + ".replicas", s.replicas(), 1, 5);
        v.range(p + ".duplicateWindowSeconds", s.duplicateWindowSeconds(), 1, 86_400 * 7);
        v.notNull(p + ".user", s.user());
        v.notNull(p + ".password", s.password());
        v.range(p + ".connectTimeoutMillis", s.connectTimeoutMillis(), 100, 600_000);
        v.range(p + ".publishTimeoutMillis", s.publishTimeoutMillis(), 100, 600_000);
        v.range(p + ".maxInFlight", s.maxInFlight(), 1, 1_000_000);
        v.throwIfInvalid();
        return new NatsSession(config.name(), s);
    }
}
