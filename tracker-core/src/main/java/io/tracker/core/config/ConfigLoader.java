package io.tracker.core.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;
import java.util.function.Function;

/**
 * Loads {@link TrackerConfig}: built-in defaults, then the JSON file, then environment variables,
 * then validation. Errors name the key.
 *
 * <p>Environment rule: every key of the merged configuration can be overridden by
 * {@code TRACKER_} + its path, each segment upper-cased with camelCase split by {@code _}, array
 * indexes as numbers: {@code server.maxBodyBytes} → {@code TRACKER_SERVER_MAX_BODY_BYTES},
 * {@code sessions[0].settings.path} → {@code TRACKER_SESSIONS_0_SETTINGS_PATH}.
 */
public final class ConfigLoader {
    public static final String ENV_PREFIX = "TRACKER";

    private final ObjectMapper mapper = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT);
    private final Function<String, String> env;

    public ConfigLoader(Function<String, String> env) {
        this.env = env;
    }

    public static ConfigLoader fromSystemEnvironment() {
        return new ConfigLoader(System::getenv);
    }

    /** Loads {@code file} (null = defaults only) with environment overrides, and validates. */
    public TrackerConfig load(Path file) {
        ObjectNode tree = mapper.valueToTree(TrackerConfig.standard());
        if (file != null) {
            JsonNode fileTree;
            try {
                fileTree = mapper.readTree(Files.readAllBytes(file));
            } catch (JsonProcessingException e) {
                throw new ConfigException(file + ": not valid JSON: " + e.getOriginalMessage(), e);
            } catch (IOException e) {
                throw new ConfigException(file + ": cannot read: " + e.getMessage(), e);
            }
            if (fileTree == null || !fileTree.isObject()) {
                throw new ConfigException(file + ": must hold a JSON object");
            }
            merge(tree, (ObjectNode) fileTree);
        }
        applyEnvironment(tree, ENV_PREFIX, "");
        return bind(tree);
    }

    /** Binds and validates an already merged tree. */
    public TrackerConfig bind(JsonNode tree) {
        TrackerConfig config;
        try {
            config = mapper.treeToValue(tree, TrackerConfig.class);
        } catch (UnrecognizedPropertyException e) {
            throw new ConfigException(keyOf(e) + ": unknown key (known: " + e.getKnownPropertyIds() + ")", e);
        } catch (JsonMappingException e) {
            throw new ConfigException(keyOf(e) + ": " + e.getOriginalMessage(), e);
        } catch (JsonProcessingException e) {
            throw new ConfigException("configuration: " + e.getOriginalMessage(), e);
        }
        Validation v = new Validation();
        config.validate(v);
        v.throwIfInvalid();
        return config;
    }

    public ObjectMapper mapper() {
        return mapper;
    }

    /** Objects merge key by key; arrays and scalars from {@code over} replace. */
    private static void merge(ObjectNode base, ObjectNode over) {
        Iterator<Map.Entry<String, JsonNode>> it = over.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode existing = base.get(e.getKey());
            if (existing instanceof ObjectNode eo && e.getValue() instanceof ObjectNode vo) {
                merge(eo, vo);
            } else {
                base.set(e.getKey(), e.getValue());
            }
        }
    }

    private void applyEnvironment(JsonNode node, String envName, String key) {
        if (node instanceof ObjectNode obj) {
            Iterator<Map.Entry<String, JsonNode>> it = obj.fields();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> e = it.next();
                String childKey = key.isEmpty() ? e.getKey() : key + "." + e.getKey();
                String childEnv = envName + "_" + envSegment(e.getKey());
                if (e.getValue().isContainerNode()) {
                    applyEnvironment(e.getValue(), childEnv, childKey);
                } else {
                    String value = env.apply(childEnv);
                    if (value != null) {
                        e.setValue(parseScalar(e.getValue(), value, childKey, childEnv));
                    }
                }
            }
        } else if (node instanceof ArrayNode arr) {
            for (int i = 0; i < arr.size(); i++) {
                String childKey = key + "[" + i + "]";
                String childEnv = envName + "_" + i;
                if (arr.get(i).isContainerNode()) {
                    applyEnvironment(arr.get(i), childEnv, childKey);
                } else {
                    String value = env.apply(childEnv);
                    if (value != null) {
                        arr.set(i, parseScalar(arr.get(i), value, childKey, childEnv));
                    }
                }
            }
        }
    }

    private static JsonNode parseScalar(JsonNode current, String value, String key, String envName) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        try {
            if (current.isIntegralNumber()) {
                return f.numberNode(Long.parseLong(value.trim()));
            }
            if (current.isNumber()) {
                return f.numberNode(Double.parseDouble(value.trim()));
            }
        } catch (NumberFormatException e) {
            throw new ConfigException(key + " (from " + envName + "): not a number: '" + value + "'");
        }
        if (current.isBoolean()) {
            String v = value.trim().toLowerCase();
            if (!v.equals("true") && !v.equals("false")) {
                throw new ConfigException(key + " (from " + envName + "): must be true or false, got '" + value + "'");
            }
            return f.booleanNode(Boolean.parseBoolean(v));
        }
        return f.textNode(value);
    }

    /** {@code maxBodyBytes} → {@code MAX_BODY_BYTES}. */
    static String envSegment(String key) {
        StringBuilder sb = new StringBuilder(key.length() + 4);
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (Character.isUpperCase(c) && i > 0) {
                sb.append('_');
            }
            sb.append(c == '-' || c == '.' ? '_' : Character.toUpperCase(c));
        }
        return sb.toString();
    }

    private static String keyOf(JsonMappingException e) {
        StringBuilder sb = new StringBuilder();
        for (JsonMappingException.Reference r : e.getPath()) {
            if (r.getFieldName() != null) {
                if (sb.length() > 0) {
                    sb.append('.');
                }
                sb.append(r.getFieldName());
            } else if (r.getIndex() >= 0) {
                sb.append('[').append(r.getIndex()).append(']');
            }
        }
        return sb.length() == 0 ? "configuration" : sb.toString();
    }
}
