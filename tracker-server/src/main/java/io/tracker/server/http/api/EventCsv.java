package io.tracker.server.http.api;

import io.tracker.core.model.Column;
import io.tracker.core.model.ColumnType;
import io.tracker.core.model.Tables;
import java.time.Instant;
import java.util.Map;

/** {@code events} rows as CSV (RFC 4180): the columns in table order, times ISO-8601 UTC, absent values empty. */
public final class EventCsv {
    private EventCsv() {
    }

    public static String header() {
        StringBuilder sb = new StringBuilder();
        for (Column c : Tables.EVENTS.columns()) {
            sb.append(sb.length() == 0 ? "" : ",").append(c.name());
        }
        return sb.append("\r\n").toString();
    }

    public static void line(Map<String, Object> row, StringBuilder out) {
        boolean first = true;
        for (Column c : Tables.EVENTS.columns()) {
            if (!first) {
                out.append(',');
            }
            first = false;
            Object v = row.get(c.name());
            if (v == null) {
                continue;
            }
            String s = c.type() == ColumnType.TIMESTAMP && v instanceof Long l ? Instant.ofEpochMilli(l).toString()
                    : String.valueOf(v);
            if (s.indexOf(',') >= 0 || s.indexOf('"') >= 0 || s.indexOf('\n') >= 0 || s.indexOf('\r') >= 0) {
                out.append('"').append(s.replace("\"", "\"\"")).append('"');
            } else {
                out.append(s);
            }
        }
        out.append("\r\n");
    }
}
