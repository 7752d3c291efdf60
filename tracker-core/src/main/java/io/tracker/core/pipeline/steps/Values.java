package io.tracker.core.pipeline.steps;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Locale;
import java.util.Map;

/** Shared rules for putting a client value into the event. */
final class Values {
    private Values() {
    }

    /**
     * Hash keys are case-sensitive tokens and keep their case (spec §3 step 3); so do the values Meta's Conversions
     * API matches on as they are: the {@code _fbp}/{@code _fbc} cookies (the click id is case-sensitive) and the
     * visitor's User-Agent.
     */
    static boolean keepsCase(String key) {
        return switch (key) {
            case "ehash", "bhash", "chash", "uhash", "fbp", "fbc", "client_user_agent", "ua" -> true;
            default -> false;
        };
    }

    static String maybeLower(String key, String value, boolean lowercase) {
        return lowercase && !keepsCase(key) ? value.toLowerCase(Locale.ROOT) : value;
    }

    /** JSON node → value: strings (lower-cased per rule), numbers as Long/Double, booleans, containers kept as nodes. */
    static void putJson(Map<String, Object> values, String key, JsonNode node, boolean lowercase) {
        if (node == null || node.isNull() || node.isMissingNode()) {
            return;
        }
        if (node.isTextual()) {
            values.put(key, maybeLower(key, node.textValue(), lowercase));
        } else if (node.isIntegralNumber() && node.canConvertToLong()) {
            values.put(key, node.longValue());
        } else if (node.isNumber()) {
            values.put(key, node.doubleValue());
        } else if (node.isBoolean()) {
            values.put(key, node.booleanValue());
        } else {
            values.put(key, node);
        }
    }
}
