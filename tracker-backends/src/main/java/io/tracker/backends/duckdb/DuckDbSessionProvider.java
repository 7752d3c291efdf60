package io.tracker.backends.duckdb;

import io.tracker.core.config.SessionConfig;
import io.tracker.core.config.Validation;
import io.tracker.core.session.Session;
import io.tracker.core.session.SessionProvider;
import io.tracker.core.session.SessionSettings;
import java.nio.file.Path;
import java.util.regex.Pattern;

/** {@code "type": "duckdb"}: the embedded default store. */
public final class DuckDbSessionProvider implements SessionProvider {
    private static final Pattern MEMORY = Pattern.compile("(?i)[0-9]+(\\.[0-9]+)?\\s*(B|KB|MB|GB|TB|KIB|MIB|GIB|TIB|%)");

    @Override
    public String type() {
        return "duckdb";
    }

    @Override
    public Session create(SessionConfig config, String keyPrefix, Path dataDir) {
        String prefix = keyPrefix + ".settings";
        DuckDbSettings s = SessionSettings.bind(config, keyPrefix, DuckDbSettings.standard(), DuckDbSettings.class);
        Validation v = new Validation();
        v.notBlank(prefix + ".path", s.path());
        v.range(prefix + ".threads", s.threads(), 1, 256);
        if (v.notNull(prefix + ".memoryLimit", s.memoryLimit()) && !MEMORY.matcher(s.memoryLimit().trim()).matches()) {
            v.fail(prefix + ".memoryLimit", "must be a size such as 256MB or 2GB (got '" + s.memoryLimit() + "')");
        }
        if (v.notNull(prefix + ".checkpointThreshold", s.checkpointThreshold())
                && !MEMORY.matcher(s.checkpointThreshold().trim()).matches()) {
            v.fail(prefix + ".checkpointThreshold", "must be a size such as 16MB or 1GB (got '"
                    + s.checkpointThreshold() + "')");
        }
        v.throwIfInvalid();
        return new DuckDbSession(config.name(), dataDir.resolve(s.path()), s);
    }
}
