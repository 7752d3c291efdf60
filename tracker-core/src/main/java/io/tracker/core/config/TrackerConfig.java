package io.tracker.core.config;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** The whole configuration: typed, immutable, validated once at start-up by {@link ConfigLoader}. */
public record TrackerConfig(
        ServerConfig server,
        TrackingConfig tracking,
        PrivacyConfig privacy,
        StorageConfig storage,
        BatchConfig batching,
        List<SessionConfig> sessions) {

    public TrackerConfig {
        sessions = sessions == null ? List.of() : List.copyOf(sessions);
    }

    /** Built-in defaults: DuckDB embedded, HTTP on 8080. {@code config.json} at the root repeats them. */
    public static TrackerConfig standard() {
        return new TrackerConfig(ServerConfig.standard(), TrackingConfig.standard(), PrivacyConfig.standard(),
                StorageConfig.standard(), BatchConfig.standard(),
                List.of(new SessionConfig("duckdb", "duckdb", null)));
    }

    public TrackerConfig withServer(ServerConfig s) {
        return new TrackerConfig(s, tracking, privacy, storage, batching, sessions);
    }

    public TrackerConfig withStorage(StorageConfig s) {
        return new TrackerConfig(server, tracking, privacy, s, batching, sessions);
    }

    public TrackerConfig withBatching(BatchConfig b) {
        return new TrackerConfig(server, tracking, privacy, storage, b, sessions);
    }

    void validate(Validation v) {
        if (v.notNull("server", server)) {
            server.validate(v);
        }
        if (v.notNull("tracking", tracking)) {
            tracking.validate(v);
        }
        if (v.notNull("privacy", privacy)) {
            privacy.validate(v);
        }
        if (v.notNull("storage", storage)) {
            storage.validate(v);
        }
        if (v.notNull("batching", batching)) {
            batching.validate(v);
        }
        if (sessions.isEmpty()) {
            v.fail("sessions", "at least one session is required");
        }
        Set<String> names = new HashSet<>();
        for (int i = 0; i < sessions.size(); i++) {
            SessionConfig s = sessions.get(i);
            String key = "sessions[" + i + "]";
            if (!v.notNull(key, s)) {
                continue;
            }
            v.notBlank(key + ".type", s.type());
            v.notBlank(key + ".name", s.name());
            if (s.name() != null && !names.add(s.name())) {
                v.fail(key + ".name", "duplicate session name '" + s.name() + "'");
            }
        }
    }
}
