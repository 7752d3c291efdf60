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

    /** The settings with every secret-looking value (password, token, secret, key) shown as {@code ***}. */
    @Override
    public String toString() {
        com.fasterxml.jackson.databind.JsonNode shown = settings.deepCopy();
        if (shown instanceof com.fasterxml.jackson.databind.node.ObjectNode o) {
            java.util.List<String> names = new java.util.ArrayList<>();
            o.fieldNames().forEachRemaining(names::add);
            for (String n : names) {
                String l = n.toLowerCase(java.util.Locale.ROOT);
                if (l.contains("password") || l.contains("token") || l.contains("secret") || l.endsWith("key")) {
                    o.put(n, "***");
                }
            }
        }
        return "SessionConfig[type=" + type + ", name=" + name + ", settings=" + shown + "]";
    }
}
