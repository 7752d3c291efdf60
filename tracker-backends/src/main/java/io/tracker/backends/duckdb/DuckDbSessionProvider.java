package io.tracker.backends.duckdb;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tracker.core.config.ConfigException;
import io.tracker.core.config.SessionConfig;
import io.tracker.core.config.Validation;
import io.tracker.core.session.Session;
import io.tracker.core.session.SessionProvider;
import java.nio.file.Path;
import java.util.regex.Pattern;

/** {@code "type": "duckdb"}: the embedded default store. */
public final class DuckDbSessionProvider implements SessionProvider {
    private static final Pattern MEMORY = Pattern.compile("(?i)[0-9]+(\\.[0-9]+)?\\s*(B|KB|MB|GB|TB|KIB|MIB|GIB|TIB|%)");
    private final ObjectMapper mapper = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    @Override
    public String type() {
        return "duckdb";
    }

    @Override
    public Session create(SessionConfig config, String keyPrefix, Path dataDir) {
        String prefix = keyPrefix + ".settings";
        ObjectNode merged = mapper.valueToTree(DuckDbSettings.standard());
        if (config.settings().isObject()) {
            merged.setAll((ObjectNode) config.settings());
        } else if (!config.settings().isNull()) {
            throw new ConfigException(prefix + ": must be an object");
        }
        DuckDbSettings s;
        try {
            s = mapper.treeToValue(merged, DuckDbSettings.class);
        } catch (UnrecognizedPropertyException e) {
            throw new ConfigException(prefix + "." + e.getPropertyName() + ": unknown key (known: "
                    + e.getKnownPropertyIds() + ")");
        } catch (JsonMappingException e) {
            String field = e.getPath().isEmpty() ? "" : "." + e.getPath().get(0).getFieldName();
            throw new ConfigException(prefix + field + ": " + e.getOriginalMessage());
        } catch (Exception e) {
            throw new ConfigException(prefix + ": " + e.getMessage());
        }
        Validation v = new Validation();
        v.notBlank(prefix + ".path", s.path());
        v.range(prefix + ".threads", s.threads(), 1, 256);
        if (v.notNull(prefix + ".memoryLimit", s.memoryLimit()) && !MEMORY.matcher(s.memoryLimit().trim()).matches()) {
            v.fail(prefix + ".memoryLimit", "must be a size such as 256MB or 2GB (got '" + s.memoryLimit() + "')");
        }
        v.throwIfInvalid();
        return new DuckDbSession(config.name(), dataDir.resolve(s.path()), s);
    }
}
