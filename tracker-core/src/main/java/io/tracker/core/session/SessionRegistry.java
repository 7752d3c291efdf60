package io.tracker.core.session;

import io.tracker.core.config.ConfigException;
import io.tracker.core.config.SessionConfig;
import io.tracker.core.config.TrackerConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;

/** Builds the configured sessions from the providers on the class path. */
public final class SessionRegistry {
    private final Map<String, SessionProvider> providers = new HashMap<>();

    public SessionRegistry(Iterable<SessionProvider> providers) {
        for (SessionProvider p : providers) {
            this.providers.put(p.type(), p);
        }
    }

    public static SessionRegistry fromClassPath() {
        return new SessionRegistry(ServiceLoader.load(SessionProvider.class));
    }

    public List<Session> create(TrackerConfig config) {
        Path dataDir = Path.of(config.storage().dataDir());
        List<Session> sessions = new ArrayList<>();
        for (int i = 0; i < config.sessions().size(); i++) {
            SessionConfig sc = config.sessions().get(i);
            SessionProvider p = providers.get(sc.type());
            if (p == null) {
                throw new ConfigException("sessions[" + i + "].type: unknown session type '" + sc.type()
                        + "' (available: " + providers.keySet() + ")");
            }
            sessions.add(p.create(sc, "sessions[" + i + "]", dataDir));
        }
        return sessions;
    }
}
