package io.tracker.core.pipeline;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tracker.core.model.Column;
import io.tracker.core.model.ColumnType;
import io.tracker.core.model.Row;
import io.tracker.core.model.RowBuilder;
import io.tracker.core.model.Table;
import io.tracker.core.model.Tables;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Campaign / messaging telemetry (spec §4.7, the Go tracker's {@code handleCampaignEvent} and
 * {@code messaging_helpers.go}): an event whose {@code tid} is a UUID also writes one {@code mthreads}, one
 * {@code mstore} and one {@code mtriage} row, and one {@code impression_daily} row when it is a conversion or carries a
 * {@code score} (and has an {@code oid}). Each row's id is the event's, so a replay or a retried request with its own
 * {@code eid} never writes a message twice (the Go tracker wrote two mthreads and two mstore rows per event, each with a
 * new message id).
 *
 * <p>Every column is filled from the event's value of the same name, coerced to the column's type the way the Go
 * parser does (and a little more leniently: numeric strings, comma-separated lists from query strings); a value that
 * does not fit its column is left out (the column default), never a failed batch. Columns the {@code events} row holds
 * with the same type (ename, etyp, source, xid, oid, uid, vid…) are taken from it, already normalised.
 */
public final class MessagingRowMapper {
    private static final DateTimeFormatter SQL_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");
    /** The range of a ClickHouse DateTime (seconds in a UInt32): a time outside it is left out, not a poisoned batch. */
    private static final long MAX_MILLIS = 4_291_747_199_000L; // 2105-12-31T23:59:59Z
    private static final long DAY_MILLIS = 86_400_000L;

    private final ObjectMapper mapper;

    public MessagingRowMapper(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    /** What {@link #map} made of an event. */
    public enum Outcome {
        /** no {@code tid}: not messaging telemetry */
        NONE,
        /** a {@code tid} that is not a UUID: nothing written (counted), the event itself is stored as usual */
        TID_NOT_UUID,
        /** rows made */
        WRITTEN
    }

    /** The messaging rows of {@code event}, whose {@code events} row is {@code eventRow}, added to {@code out}. */
    public Outcome map(EventContext event, Row eventRow, List<Row> out) {
        Object rawTid = event.values().get("tid");
        if (rawTid == null) {
            return Outcome.NONE;
        }
        UUID tid = eventRow.get(TID) instanceof UUID u ? u : null;
        if (tid == null) {
            return Outcome.TID_NOT_UUID;
        }
        Map<String, Object> values = event.values();
        UUID mid = EventIds.parse(values.get("mid"));
        out.add(row(Tables.MTHREADS, event, eventRow, tid, null).build());
        out.add(row(Tables.MSTORE, event, eventRow, tid, mid == null ? event.eid() : mid).build());
        RowBuilder triage = row(Tables.MTRIAGE, event, eventRow, tid, mid == null ? event.eid() : mid);
        if (values.get("urgency") == null || coerce(ColumnType.INT32, values.get("urgency")) == null) {
            triage.set("urgency", 8);
        }
        if (coerce(ColumnType.BOOLEAN, values.get("keep")) == null) {
            triage.set("keep", Boolean.TRUE);
        }
        out.add(triage.build());
        Object oid = eventRow.get(OID);
        String ename = eventRow.get(ENAME) instanceof String s ? s : null;
        if (oid != null && ("conversion".equals(ename) || eventRow.get(SCORE) != null)) {
            out.add(impression(event, eventRow, tid, "conversion".equals(ename)));
        }
        return Outcome.WRITTEN;
    }

    private RowBuilder row(Table table, EventContext event, Row eventRow, UUID tid, UUID mid) {
        RowBuilder b = new RowBuilder(table).eid(event.eid());
        long at = event.createdAtMillis();
        Map<String, Object> values = event.values();
        for (int i = 0; i < table.width(); i++) {
            Column c = table.columns().get(i);
            String name = c.name();
            Object v = switch (name) {
                case "eid" -> null; // set above
                case "tid" -> tid;
                case "mid" -> mid;
                case "created_at", "updated_at" -> at;
                case "auth_name" -> coerce(c.type(), values.get("auth_name") != null ? values.get("auth_name") : values.get("auth"));
                case "scheduled_local_hour", "scheduled_local_dow" -> {
                    Object x = coerce(c.type(), values.get(name));
                    yield x == null ? Integer.valueOf(-1) : x;
                }
                default -> {
                    int e = Tables.EVENTS.indexOf(name);
                    if (e >= 0 && Tables.EVENTS.columns().get(e).type() == c.type() && eventRow.get(e) != null) {
                        yield eventRow.get(e);
                    }
                    yield e >= 0 && Tables.EVENTS.columns().get(e).type() == c.type() ? null : coerce(c.type(), values.get(name));
                }
            };
            if (v != null && !name.equals("eid")) {
                b.set(i, v);
            }
        }
        return b;
    }

    private Row impression(EventContext event, Row eventRow, UUID tid, boolean conversion) {
        long at = event.createdAtMillis();
        boolean identified = eventRow.get(UID) != null;
        return new RowBuilder(Tables.IMPRESSION_DAILY).eid(event.eid())
                .set("oid", eventRow.get(OID)).set("org", eventRow.get(ORG)).set("tid", tid)
                .set("campaign_id", coerce(ColumnType.STRING, event.values().get("campaign_id")))
                .set("day", Math.floorDiv(at, DAY_MILLIS) * DAY_MILLIS)
                .set("variant_id", eventRow.get(XID))
                .set("total_impressions", 1L)
                .set("anonymous_impressions", identified ? 0L : 1L)
                .set("identified_impressions", identified ? 1L : 0L)
                .set("unique_visitors", 1L)
                .set("conversions", conversion ? 1L : 0L)
                .set("vid", eventRow.get(VID)).set("uid", eventRow.get(UID))
                .set("created_at", at).set("updated_at", at)
                .build();
    }

    /** {@code value} as {@code type}'s Java value, or null when absent or when it does not fit. */
    Object coerce(ColumnType type, Object value) {
        if (value == null) {
            return null;
        }
        return switch (type) {
            case UUID -> EventIds.parse(value instanceof JsonNode n && n.isTextual() ? n.textValue() : value);
            case STRING -> value instanceof String s ? s : value instanceof JsonNode n ? (n.isTextual() ? n.textValue() : n.toString())
                    : String.valueOf(value);
            case JSON -> json(value);
            case INT64 -> integral(value);
            case INT32 -> {
                Long l = integral(value);
                yield l != null && l >= Integer.MIN_VALUE && l <= Integer.MAX_VALUE ? Integer.valueOf(l.intValue()) : null;
            }
            case FLOAT64 -> number(value);
            case BOOLEAN -> {
                if (value instanceof Boolean b) {
                    yield b;
                }
                String s = value instanceof Long l ? String.valueOf(l) : value instanceof String str ? str.trim() : null;
                yield "true".equalsIgnoreCase(s) || "1".equals(s) ? Boolean.TRUE
                        : "false".equalsIgnoreCase(s) || "0".equals(s) ? Boolean.FALSE : null;
            }
            case TIMESTAMP -> time(value);
            case STRINGS, UUIDS -> list(type, value);
            case DECIMAL -> null; // no money column here
        };
    }

    /** Valid JSON text: a container as it is, a string holding one as it is, any other value JSON-encoded. */
    private String json(Object value) {
        try {
            if (value instanceof JsonNode n) {
                return mapper.writeValueAsString(n);
            }
            if (value instanceof String s) {
                String t = s.trim();
                if (t.startsWith("{") || t.startsWith("[")) {
                    try {
                        return mapper.writeValueAsString(mapper.readTree(t));
                    } catch (JsonProcessingException notJson) {
                        // a string that only looks like JSON: stored as a JSON string below
                    }
                }
            }
            return mapper.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            return null;
        }
    }

    private static Long integral(Object value) {
        if (value instanceof Long l) {
            return l;
        }
        Double d = number(value);
        // Go truncates a float (int32(v)); so do we, within range
        return d == null || Math.abs(d) >= 9.2e18 ? null : Long.valueOf(d.longValue());
    }

    private static Double number(Object value) {
        if (value instanceof Long l) {
            return l.doubleValue();
        }
        if (value instanceof Double d) {
            return Double.isFinite(d) ? d : null;
        }
        if (value instanceof String s && EventRowMapper.looksNumeric(s.trim())) {
            try {
                double d = Double.parseDouble(s.trim());
                return Double.isFinite(d) ? d : null;
            } catch (NumberFormatException e) {
                return null;
            }
        }
        return null;
    }

    /**
     * RFC 3339 ({@code 2025-01-20T10:00:00Z}), {@code yyyy-MM-dd HH:mm:ss} (UTC) or a number of Unix seconds, as the Go
     * parser reads them; a number beyond 10^11 is taken as milliseconds. Epoch milliseconds, or null.
     */
    private static Long time(Object value) {
        Long millis = null;
        Double number = value instanceof String s && !s.contains("-") ? number(value) : null; // from a query string
        if (value instanceof Long || value instanceof Double || number != null) {
            double n = number != null ? number : ((Number) value).doubleValue();
            millis = Math.abs(n) > 1e11 ? (long) n : (long) (n * 1000);
        } else if (value instanceof String s) {
            String t = s.trim();
            try {
                millis = OffsetDateTime.parse(t).toInstant().toEpochMilli();
            } catch (DateTimeParseException e) {
                try {
                    millis = LocalDateTime.parse(t, SQL_TIME).toInstant(ZoneOffset.UTC).toEpochMilli();
                } catch (DateTimeParseException e2) {
                    try {
                        millis = Instant.parse(t.toUpperCase(java.util.Locale.ROOT)).toEpochMilli(); // lower-cased by the pipeline
                    } catch (DateTimeParseException e3) {
                        return null;
                    }
                }
            }
        }
        return millis != null && millis >= 0 && millis <= MAX_MILLIS ? millis : null;
    }

    /** A JSON array, a string holding one, or a comma-separated string; only strings (or UUIDs) are kept. */
    private List<Object> list(ColumnType type, Object value) {
        List<Object> out = new ArrayList<>();
        JsonNode node = value instanceof JsonNode n ? n : null;
        if (node == null && value instanceof String s) {
            String t = s.trim();
            if (t.startsWith("[")) {
                try {
                    node = mapper.readTree(t);
                } catch (JsonProcessingException e) {
                    return null;
                }
            } else {
                for (String part : t.split(",")) {
                    add(type, part.trim(), out);
                }
                return out;
            }
        }
        if (node == null || !node.isArray()) {
            return null;
        }
        for (JsonNode e : node) {
            if (e.isTextual()) {
                add(type, e.textValue(), out);
            }
        }
        return out;
    }

    /**
     * Elements kept per list column (the rest dropped): a list value is copied into up to three tables, so a hostile
     * body of one-character elements would otherwise multiply in memory; real campaign lists are far shorter.
     */
    static final int MAX_LIST_ELEMENTS = 1000;

    private static void add(ColumnType type, String s, List<Object> out) {
        if (out.size() >= MAX_LIST_ELEMENTS) {
            return;
        }
        if (type == ColumnType.UUIDS) {
            UUID u = EventIds.parse(s);
            if (u != null) {
                out.add(u);
            }
        } else if (!s.isEmpty()) {
            out.add(s);
        }
    }

    private static final int TID = Tables.EVENTS.indexOf("tid");
    private static final int OID = Tables.EVENTS.indexOf("oid");
    private static final int ORG = Tables.EVENTS.indexOf("org");
    private static final int UID = Tables.EVENTS.indexOf("uid");
    private static final int VID = Tables.EVENTS.indexOf("vid");
    private static final int XID = Tables.EVENTS.indexOf("xid");
    private static final int ENAME = Tables.EVENTS.indexOf("ename");
    private static final int SCORE = Tables.EVENTS.indexOf("score");
}
