package io.tracker.core.pipeline;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tracker.core.model.Row;
import io.tracker.core.model.RowBuilder;
import io.tracker.core.model.Table;
import io.tracker.core.model.Tables;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Turns an event's values into an {@code events} row (spec §4.6). Every value is coerced to its
 * column's type here, at enqueue time: a number sent for a string column is stored as its text, and a
 * value that cannot be coerced (e.g. {@code duration:"soon"}) is kept in {@code params} instead of
 * poisoning a batch (quirk §18.8 fixed). Keys without a column go to {@code params}.
 */
public final class EventRowMapper {
    /** Value keys stored in a column under another name. */
    private static final Map<String, String> RENAMED = Map.of("w", "vp_w", "h", "vp_h");
    /** Keys consumed by the pipeline itself, never copied to params. */
    private static final Pattern DECIMAL = Pattern.compile("-?(0|[1-9][0-9]*)\\.[0-9]+");
    private static final Set<String> CONSUMED = Set.of("eid", "vid", "sid", "params", "targets", "created_at", "vid_new");

    private static final int TARGETS = -2;
    private static final int SKIP = -1;
    /** Value key → its events column ({@link #RENAMED} applied), {@link #TARGETS} or {@link #SKIP} ({@link #CONSUMED}). */
    private static final Map<String, Integer> ROUTES = routes();

    private static Map<String, Integer> routes() {
        Map<String, Integer> m = new java.util.HashMap<>();
        for (int i = 0; i < Tables.EVENTS.width(); i++) {
            m.put(Tables.EVENTS.columns().get(i).name(), i);
        }
        RENAMED.forEach((key, column) -> {
            int i = Tables.EVENTS.indexOf(column);
            if (i < 0) {
                throw new IllegalStateException("events has no column " + column); // SKIP would drop the value
            }
            m.put(key, i);
        });
        CONSUMED.forEach(key -> m.put(key, SKIP));
        m.put("targets", TARGETS);
        return Map.copyOf(m);
    }

    private final Table table = Tables.EVENTS;
    private final ObjectMapper mapper;
    /** A serializer provider per thread (they are not thread-safe), for {@link #write}. */
    private final ThreadLocal<com.fasterxml.jackson.databind.SerializerProvider> providers;

    public EventRowMapper(ObjectMapper mapper) {
        this.mapper = mapper;
        this.providers = ThreadLocal.withInitial(mapper::getSerializerProviderInstance);
    }

    public Row map(EventContext event) {
        RowBuilder row = new RowBuilder(table)
                .eid(event.eid())
                .set("vid", event.vid())
                .set("sid", event.sid())
                .set("created_at", event.createdAtMillis())
                // (a visitor is created once: later events of the request that reuse its generated vid are not new again)
                .set("vid_new", event.isNewVisitor() && event.requestVid() == null);
        ObjectNode params = mapper.createObjectNode();
        Object clientParams = event.values().get("params");
        mergeParams(params, clientParams);
        JsonNode targets = null;

        for (Map.Entry<String, Object> e : event.values().entrySet()) {
            String key = e.getKey();
            Object value = e.getValue();
            Integer where = ROUTES.get(key); // one lookup: a column, targets, consumed, or (absent) params
            if (where == null) {
                params.set(key, coerceParam(value));
                continue;
            }
            int col = where;
            if (col == TARGETS) {
                targets = toJson(value);
                continue;
            }
            if (col == SKIP) {
                continue;
            }
            String columnName = table.columns().get(col).name();
            Object typed = coerce(table.columns().get(col).type(), columnName, value);
            if (typed != null) {
                row.set(col, typed);
            } else {
                params.set(key, coerceParam(value)); // wrong type: kept, not lost
            }
        }
        io.tracker.core.pipeline.steps.PiiHashStep.keepOnlyHashes(params); // also what came nested in the client's params
        row.set("params", write(params));
        if (targets != null) {
            row.set("targets", write(targets));
        }
        return row.build();
    }

    private Object coerce(io.tracker.core.model.ColumnType type, String column, Object value) {
        return switch (type) {
            case UUID -> EventIds.parse(value);
            case STRING -> {
                String s = asText(value);
                yield column.equals("country") ? s.toUpperCase(Locale.ROOT) : s;
            }
            case INT64 -> asLong(value);
            case INT32 -> {
                Long l = asLong(value);
                yield l != null && l >= Integer.MIN_VALUE && l <= Integer.MAX_VALUE ? Integer.valueOf(l.intValue()) : null;
            }
            case FLOAT64 -> asDouble(value);
            case TIMESTAMP -> null; // only created_at, which the server sets
            case JSON -> write(toJson(value));
            case DECIMAL -> null; // events carry no money column
            case BOOLEAN -> asBoolean(value);
            case STRINGS, UUIDS -> null; // events carry no list column
        };
    }

    private String asText(Object value) {
        if (value instanceof String s) {
            return s;
        }
        if (value instanceof JsonNode n) {
            return write(n);
        }
        return String.valueOf(value);
    }

    private static Boolean asBoolean(Object value) {
        if (value instanceof Boolean b) {
            return b;
        }
        if (value instanceof Long l && (l == 0 || l == 1)) {
            return l == 1;
        }
        if (value instanceof String s) {
            String t = s.trim();
            if (t.equalsIgnoreCase("true") || t.equals("1")) {
                return Boolean.TRUE;
            }
            if (t.equalsIgnoreCase("false") || t.equals("0")) {
                return Boolean.FALSE;
            }
        }
        return null;
    }

    private static Long asLong(Object value) {
        if (value instanceof Long l) {
            return l;
        }
        if (value instanceof Double d) {
            return d == Math.rint(d) && !Double.isInfinite(d) && Math.abs(d) < 9.2e18 ? Long.valueOf(d.longValue()) : null;
        }
        if (value instanceof String s) {
            String t = s.trim();
            if (!looksNumeric(t)) {
                return null;
            }
            try {
                return Long.parseLong(t);
            } catch (NumberFormatException e) {
                Double d = asDouble(t);
                return d == null ? null : asLong(d);
            }
        }
        return null;
    }

    /** Cheap pre-check before a parse that would throw: optional sign, then digits with at most one dot or exponent. */
    static boolean looksNumeric(String s) {
        if (s.isEmpty()) {
            return false;
        }
        int start = s.charAt(0) == '-' || s.charAt(0) == '+' ? 1 : 0;
        if (start == s.length()) {
            return false;
        }
        for (int i = start; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!(c >= '0' && c <= '9') && c != '.' && c != 'e' && c != 'E' && c != '-' && c != '+') {
                return false;
            }
        }
        return true;
    }

    private static Double asDouble(Object value) {
        if (value instanceof Long l) {
            return l.doubleValue();
        }
        if (value instanceof Double d) {
            return Double.isFinite(d) ? d : null;
        }
        if (value instanceof String s && !s.isBlank() && looksNumeric(s.trim())) {
            try {
                double d = Double.parseDouble(s.trim());
                return Double.isFinite(d) ? d : null;
            } catch (NumberFormatException e) {
                return null;
            }
        }
        return null;
    }

    private void mergeParams(ObjectNode params, Object clientParams) {
        JsonNode node = clientParams instanceof String s ? parseOrNull(s) : clientParams instanceof JsonNode n ? n : null;
        if (node != null && node.isObject()) {
            Iterator<Map.Entry<String, JsonNode>> it = node.fields();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> e = it.next();
                params.set(e.getKey(), coerceParamNode(e.getValue()));
            }
        } else if (clientParams != null) {
            params.set("params", coerceParam(clientParams));
        }
    }

    /**
     * Spec §4.6 {@code convertParamsToTypes}, the useful part: trimmed strings that are canonical
     * numbers or booleans become typed, so they can be aggregated. Strings like {@code "01234"} stay strings.
     */
    private JsonNode coerceParam(Object value) {
        if (value instanceof JsonNode n) {
            return coerceParamNode(n);
        }
        if (value instanceof Long l) {
            return mapper.getNodeFactory().numberNode(l);
        }
        if (value instanceof Double d) {
            return mapper.getNodeFactory().numberNode(d);
        }
        if (value instanceof Boolean b) {
            return mapper.getNodeFactory().booleanNode(b);
        }
        return coerceParamString(String.valueOf(value));
    }

    private JsonNode coerceParamNode(JsonNode n) {
        if (n.isTextual()) {
            return coerceParamString(n.textValue());
        }
        if (n.isObject()) {
            ObjectNode out = mapper.createObjectNode();
            n.fields().forEachRemaining(e -> out.set(e.getKey(), coerceParamNode(e.getValue())));
            return out;
        }
        return n;
    }

    private JsonNode coerceParamString(String raw) {
        var f = mapper.getNodeFactory();
        String s = raw.trim();
        if (s.equalsIgnoreCase("true") || s.equalsIgnoreCase("false")) {
            return f.booleanNode(Boolean.parseBoolean(s.toLowerCase(Locale.ROOT)));
        }
        if (!s.isEmpty() && s.length() < 20 && looksNumeric(s)) {
            // Checked first: most params are words, and a NumberFormatException per word is costly.
            try {
                long l = Long.parseLong(s);
                if (Long.toString(l).equals(s)) {
                    return f.numberNode(l);
                }
            } catch (NumberFormatException ignored) {
                // not an integer
            }
            if (DECIMAL.matcher(s).matches()) {
                return f.numberNode(Double.parseDouble(s));
            }
        }
        return f.textNode(s);
    }

    private JsonNode toJson(Object value) {
        if (value instanceof JsonNode n) {
            return n;
        }
        if (value instanceof String s) {
            JsonNode parsed = parseOrNull(s);
            return parsed != null && parsed.isContainerNode() ? parsed : mapper.getNodeFactory().textNode(s);
        }
        return mapper.valueToTree(value);
    }

    private JsonNode parseOrNull(String s) {
        String t = s.trim();
        if (t.isEmpty() || (t.charAt(0) != '{' && t.charAt(0) != '[')) {
            return null;
        }
        try {
            return mapper.readTree(t);
        } catch (JsonProcessingException e) {
            return null;
        }
    }

    private String write(JsonNode node) {
        // Tree nodes serialise themselves, through a generator of the mapper's factory and this thread's provider:
        // not a new serializer provider and writer context per call as writeValueAsString makes (same text).
        java.io.StringWriter out = new java.io.StringWriter(128);
        try (com.fasterxml.jackson.core.JsonGenerator g = mapper.getFactory().createGenerator(out)) {
            ((com.fasterxml.jackson.databind.node.BaseJsonNode) node).serialize(g, providers.get());
        } catch (java.io.IOException e) {
            throw new IllegalStateException("cannot serialise JSON node", e);
        }
        return out.toString();
    }
}
