package io.tracker.core.model;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.UUID;

/**
 * A row as one JSON object, the message format of the stream sessions (NATS JetStream, Kafka) and of a Kafka
 * consumer's {@code event} records: column names as keys, absent or null values left out, UUIDs and times as strings
 * (ISO-8601 UTC), money as exact decimal numbers, JSON columns inline.
 */
public final class RowJson {
    private static final JsonFactory JSON = new JsonFactory();
    /** The largest amount every store keeps exactly: DECIMAL(18,4). */
    static final BigDecimal MAX_DECIMAL = new BigDecimal("99999999999999.9999");
    /** Decimals read exactly (never through a double). */
    private static final com.fasterxml.jackson.databind.ObjectMapper READER = new com.fasterxml.jackson.databind.ObjectMapper()
            .enable(com.fasterxml.jackson.databind.DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

    private RowJson() {
    }

    public static byte[] encode(Table table, Row row) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(512);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            List<Column> columns = table.columns();
            for (int i = 0; i < columns.size(); i++) {
                Object v = row.get(i);
                if (v == null) {
                    continue;
                }
                g.writeFieldName(columns.get(i).name());
                switch (columns.get(i).type()) {
                    case UUID, STRING -> g.writeString(v.toString());
                    case JSON -> g.writeRawValue((String) v);
                    case INT64 -> g.writeNumber((Long) v);
                    case INT32 -> g.writeNumber((Integer) v);
                    case FLOAT64 -> g.writeNumber((Double) v);
                    case TIMESTAMP -> g.writeString(Instant.ofEpochMilli((Long) v).toString());
                    case DECIMAL -> g.writeNumber((BigDecimal) v);
                    case BOOLEAN -> g.writeBoolean((Boolean) v);
                    case STRINGS, UUIDS -> {
                        g.writeStartArray();
                        for (Object o : (List<?>) v) {
                            g.writeString(o.toString());
                        }
                        g.writeEndArray();
                    }
                }
            }
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** As {@link #decode(Table, JsonNode)} from the bytes of a message; malformed JSON is an IllegalArgumentException. */
    public static Row decode(Table table, byte[] json) {
        JsonNode n;
        try {
            n = READER.readTree(json);
        } catch (IOException e) {
            throw new IllegalArgumentException("not JSON: " + (e instanceof com.fasterxml.jackson.core.JsonProcessingException j ? j.getOriginalMessage() : e.getMessage()), e);
        }
        return decode(table, n);
    }

    /**
     * An object of {@link #encode} (or written by hand in that shape) as a row of {@code table}; unknown keys are
     * ignored. A time may also be a number of epoch milliseconds.
     *
     * @throws IllegalArgumentException naming the column whose value has the wrong type for it
     */
    public static Row decode(Table table, JsonNode n) {
        if (n == null || !n.isObject()) {
            throw new IllegalArgumentException("a row must be a JSON object");
        }
        RowBuilder b = new RowBuilder(table);
        for (Column c : table.columns()) {
            JsonNode v = n.get(c.name());
            if (v == null || v.isNull()) {
                continue;
            }
            Object value;
            try {
                value = value(c, v);
            } catch (IllegalArgumentException | DateTimeParseException | ArithmeticException e) {
                throw new IllegalArgumentException(c.name() + ": not a " + c.type().name().toLowerCase(java.util.Locale.ROOT)
                        + " (" + e.getMessage() + ")", e);
            }
            if (c.name().equals("eid")) {
                b.eid((UUID) value);
            } else {
                b.set(c.name(), value);
            }
        }
        return b.build();
    }

    private static Object value(Column c, JsonNode v) {
        return switch (c.type()) {
            case UUID -> UUID.fromString(text(v));
            case STRING -> v.isValueNode() ? v.asText() : v.toString();
            case JSON -> v.toString();
            case INT64 -> integral(v).longValueExact();
            case INT32 -> integral(v).intValueExact();
            case FLOAT64 -> {
                if (!v.isNumber()) {
                    throw new IllegalArgumentException("expected a number");
                }
                yield v.asDouble();
            }
            case TIMESTAMP -> v.isNumber() ? integral(v).longValueExact() : Instant.parse(text(v)).toEpochMilli();
            case DECIMAL -> {
                if (!v.isNumber()) {
                    throw new IllegalArgumentException("expected a number");
                }
                BigDecimal d = v.decimalValue().setScale(ColumnType.DECIMAL_SCALE, java.math.RoundingMode.UNNECESSARY);
                if (d.abs().compareTo(MAX_DECIMAL) > 0) {
                    throw new IllegalArgumentException("beyond " + MAX_DECIMAL.toPlainString() + " (DECIMAL(18,4))");
                }
                yield d;
            }
            case BOOLEAN -> {
                if (!v.isBoolean()) {
                    throw new IllegalArgumentException("expected true or false");
                }
                yield v.booleanValue();
            }
            case STRINGS, UUIDS -> {
                if (!v.isArray()) {
                    throw new IllegalArgumentException("expected an array");
                }
                List<Object> list = new java.util.ArrayList<>(v.size());
                for (JsonNode e : v) {
                    list.add(c.type() == ColumnType.UUIDS ? UUID.fromString(text(e)) : text(e));
                }
                yield List.copyOf(list);
            }
        };
    }

    private static String text(JsonNode v) {
        if (!v.isTextual()) {
            throw new IllegalArgumentException("expected a string");
        }
        return v.textValue();
    }

    private static BigDecimal integral(JsonNode v) {
        if (!v.isIntegralNumber()) {
            throw new IllegalArgumentException("expected an integer");
        }
        return v.decimalValue();
    }
}
