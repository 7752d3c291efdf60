package io.tracker.core.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;

/**
 * One storage session. {@code settings} are bound and validated by the session's own provider,
 * which names the offending key as {@code sessions[i].settings.<key>}.
 *
 * @param type     provider type, e.g. {@code duckdb}
 * @param name     unique name, used in metrics and logs
 * @param settings provider-specific settings
 */
public record SessionConfig(String type, String name, JsonNode settings) {

    public SessionConfig {
        settings = settings == null ? JsonNodeFactory.instance.objectNode() : settings;
    }
}
