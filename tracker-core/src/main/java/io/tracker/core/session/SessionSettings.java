package io.tracker.core.session;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tracker.core.config.ConfigException;
import io.tracker.core.config.SessionConfig;

/** Binds a provider's typed settings record: its defaults, overridden by {@code sessions[i].settings}; errors name the key. */
public final class SessionSettings {
    private static final ObjectMapper MAPPER = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);

    private SessionSettings() {
    }

    public static <T> T bind(SessionConfig config, String keyPrefix, T defaults, Class<T> type) {
        String prefix = keyPrefix + ".settings";
        ObjectNode merged = MAPPER.valueToTree(defaults);
        if (config.settings().isObject()) {
            merged.setAll((ObjectNode) config.settings());
        } else if (!config.settings().isNull()) {
            throw new ConfigException(prefix + ": must be an object");
        }
        try {
            return MAPPER.treeToValue(merged, type);
        } catch (UnrecognizedPropertyException e) {
            throw new ConfigException(prefix + "." + e.getPropertyName() + ": unknown key (known: "
                    + e.getKnownPropertyIds() + ")");
        } catch (JsonMappingException e) {
            String field = e.getPath().isEmpty() ? "" : "." + e.getPath().get(0).getFieldName();
            throw new ConfigException(prefix + field + ": " + e.getOriginalMessage());
        } catch (Exception e) {
            throw new ConfigException(prefix + ": " + e.getMessage());
        }
    }
}
