package io.tracker.core.business;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tracker.core.model.ColumnType;
import io.tracker.core.pipeline.BadRequestException;
import java.io.IOException;
import java.math.BigDecimal;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.UUID;

/**
 * Strict reading of a business endpoint's JSON body: numbers stay exact (no double round trip for money),
 * and a value of the wrong type is a 400 naming the field — never silently dropped.
 */
public final class Payload {
    private static final ObjectMapper EXACT = new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

    private Payload() {
    }

    /** The body as a JSON object. */
    public static ObjectNode object(byte[] body) throws BadRequestException {
        if (body == null || body.length == 0) {
            throw new BadRequestException("empty_body", "a JSON object body is required");
        }
        String text = io.tracker.core.pipeline.UrlCodec.strictUtf8(body, "the body");
        JsonNode n;
        try {
            n = EXACT.readTree(text);
        } catch (IOException e) {
            throw new BadRequestException("malformed_json", "the body is not valid JSON");
        }
        if (!(n instanceof ObjectNode o)) {
            throw new BadRequestException("not_an_object", "the body must be a JSON object");
        }
        return o;
    }

    public static String text(JsonNode o, String field) throws BadRequestException {
        JsonNode n = o.get(field);
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.isTextual()) {
            throw wrong(field, "a string");
        }
        String s = n.asText().trim();
        return s.isEmpty() ? null : s;
    }

    public static UUID uuid(JsonNode o, String field) throws BadRequestException {
        String s = text(o, field);
        if (s == null) {
            return null;
        }
        UUID u = io.tracker.core.pipeline.EventIds.parse(s);
        if (u == null) {
            throw wrong(field, "a UUID");
        }
        return u;
    }

    /** Money: a JSON number or numeric string, at most {@value ColumnType#DECIMAL_SCALE} decimal places, exact. */
    public static BigDecimal money(JsonNode o, String field) throws BadRequestException {
        BigDecimal d = decimal(o, field);
        if (d == null) {
            return null;
        }
        if (d.stripTrailingZeros().scale() > ColumnType.DECIMAL_SCALE) {
            throw new BadRequestException("bad_field", field + ": at most " + ColumnType.DECIMAL_SCALE + " decimal places");
        }
        if (d.abs().compareTo(Ltv.MAX_MONEY) > 0) {
            throw new BadRequestException("bad_field", field + ": beyond " + Ltv.MAX_MONEY.toPlainString()
                    + " (DECIMAL(18,4))");
        }
        return d.setScale(ColumnType.DECIMAL_SCALE);
    }

    public static Double number(JsonNode o, String field) throws BadRequestException {
        BigDecimal d = decimal(o, field);
        return d == null ? null : d.doubleValue();
    }

    /** A JSON number or numeric string as an exact decimal; null when absent; 400 for anything else. */
    private static BigDecimal decimal(JsonNode o, String field) throws BadRequestException {
        JsonNode n = o.get(field);
        if (n == null || n.isNull()) {
            return null;
        }
        try {
            if (n.isNumber()) {
                return n.decimalValue();
            }
            if (n.isTextual()) {
                return new BigDecimal(n.asText().trim());
            }
        } catch (NumberFormatException e) {
            // falls through to the 400
        }
        throw wrong(field, "a number");
    }

    public static Long integer(JsonNode o, String field) throws BadRequestException {
        JsonNode n = o.get(field);
        if (n == null || n.isNull()) {
            return null;
        }
        if (n.canConvertToExactIntegral() && n.canConvertToLong()) {
            return n.asLong();
        }
        throw wrong(field, "an integer");
    }

    /** An RFC 3339 time, as epoch milliseconds. */
    public static Long time(JsonNode o, String field) throws BadRequestException {
        String s = text(o, field);
        if (s == null) {
            return null;
        }
        try {
            return OffsetDateTime.parse(s).toInstant().toEpochMilli();
        } catch (DateTimeParseException e) {
            throw wrong(field, "an RFC 3339 time such as 2026-11-22T10:00:00Z");
        }
    }

    private static BadRequestException wrong(String field, String expected) {
        return new BadRequestException("bad_field", field + ": must be " + expected);
    }
}
