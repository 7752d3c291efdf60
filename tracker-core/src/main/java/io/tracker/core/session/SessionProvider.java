package io.tracker.core.session;

import io.tracker.core.config.SessionConfig;
import java.nio.file.Path;

/**
 * Creates sessions of one {@link #type()}. Providers are found with {@link java.util.ServiceLoader},
 * so a backend jar on the class path is all it takes to add one.
 */
public interface SessionProvider {

    /** The {@code sessions[].type} this provider serves, e.g. {@code duckdb}. */
    String type();

    /**
     * Binds and validates {@code config.settings()}; throws {@link io.tracker.core.config.ConfigException}
     * naming {@code keyPrefix + ".settings.<key>"} on a bad key or value. Does not connect.
     *
     * @param dataDir the tracker's data directory, for embedded stores
     */
    Session create(SessionConfig config, String keyPrefix, Path dataDir);
}
