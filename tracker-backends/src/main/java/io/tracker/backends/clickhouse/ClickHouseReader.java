package io.tracker.backends.clickhouse;

import com.clickhouse.client.api.metadata.TableSchema;
import io.tracker.core.model.Column;
import io.tracker.core.model.ColumnType;
import io.tracker.core.model.Table;
import io.tracker.core.session.SessionException;
import io.tracker.core.session.SessionReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.math.BigDecimal;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;

/**
 * Reads for the API backend role. ClickHouse 18.16 has no query parameters ({@code {name:Type}} arrived in 19.x)
 * and client-v2 has no API for ClickHouse's other way of passing values, <em>external data</em>: so filter values
 * travel as a TabSeparated external table {@code p} in a multipart body, and the query says
 * {@code WHERE (a, b) IN (SELECT a, b FROM p)}. Values never enter the SQL text; this works the same on every
 * ClickHouse version. Deletes are mutations ({@code ALTER TABLE … DELETE}), which cannot see external data: their
 * conditions are UUIDs and numbers rendered from typed Java values only, and the call waits for the mutation.
 */
final class ClickHouseReader implements SessionReader {
    private static final UUID ZERO_UUID = new UUID(0, 0);
    private static final String BOUNDARY = "tracker-external-data-7d1f0c";

    private final ClickHouseSettings settings;
    private final Function<String, TableSchema> schemas;
    private final HttpClient http;
    private final String auth;

    ClickHouseReader(ClickHouseSettings settings, Function<String, TableSchema> schemas) {
        this.settings = settings;
        this.schemas = schemas;
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofMillis(settings.connectTimeoutMillis())).build();
        this.auth = "Basic " + Base64.getEncoder().encodeToString(
                (settings.user() + ":" + (settings.password() == null ? "" : settings.password())).getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public List<Map<String, Object>> find(Table table, Map<String, Object> where, String newestFirst, int limit)
            throws SessionException {
        StringBuilder sql = new StringBuilder("SELECT ");
        List<Column> columns = table.columns();
        for (int i = 0; i < columns.size(); i++) {
            Column c = columns.get(i);
            sql.append(i == 0 ? "" : ", ").append(c.type() == ColumnType.TIMESTAMP
                    ? "toUInt64(toUnixTimestamp(" + c.name() + ")) * 1000" : c.name());
        }
        sql.append(" FROM ").append(qualified(table)).append(filter(table, where));
        if (newestFirst != null) {
            sql.append(" ORDER BY ").append(table.requireColumn(newestFirst)).append(" DESC");
        }
        sql.append(" LIMIT ").append(Math.max(0, limit)).append(" FORMAT TabSeparated");
        List<Map<String, Object>> rows = new ArrayList<>();
        for (String line : query(table, sql.toString(), where).split("\n")) {
            if (line.isEmpty()) {
                continue;
            }
            String[] cells = line.split("\t", -1);
            Map<String, Object> row = new LinkedHashMap<>();
            for (int i = 0; i < columns.size() && i < cells.length; i++) {
                Object v = parse(columns.get(i).type(), unescape(cells[i]));
                if (v != null) {
                    row.put(columns.get(i).name(), v);
                }
            }
            rows.add(row);
        }
        return rows;
    }

    @Override
    public BigDecimal sum(Table table, String column, Map<String, Object> where) throws SessionException {
        String sql = "SELECT toString(sum(" + table.requireColumn(column) + ")) FROM " + qualified(table) + filter(table, where)
                + " FORMAT TabSeparated";
        String out = query(table, sql, where).trim();
        return (out.isEmpty() ? BigDecimal.ZERO : new BigDecimal(out)).setScale(ColumnType.DECIMAL_SCALE);
    }

    @Override
    public long delete(Table table, Map<String, Object> where) throws SessionException {
        if (where.isEmpty()) {
            throw new IllegalArgumentException("delete needs a condition");
        }
        StringBuilder cond = new StringBuilder();
        for (Map.Entry<String, Object> e : where.entrySet()) {
            if (!(e.getValue() instanceof UUID u)) {
                throw new IllegalArgumentException("ClickHouse deletes take UUID conditions only, not " + e.getKey());
            }
            // UUID.toString is hex digits and dashes only: a typed literal, not client text.
            cond.append(cond.length() == 0 ? "" : " AND ").append(table.requireColumn(e.getKey()))
                    .append(" = toUUID('").append(u).append("')");
        }
        return mutate(table, cond.toString());
    }

    @Override
    public long deleteBefore(Table table, String timeColumn, Instant cutoff) throws SessionException {
        return mutate(table, table.requireColumn(timeColumn) + " < toDateTime(" + cutoff.getEpochSecond() + ")");
    }

    private long mutate(Table table, String condition) throws SessionException {
        String n = query(table, "SELECT count() FROM " + qualified(table) + " WHERE " + condition + " FORMAT TabSeparated",
                Map.of()).trim();
        long count = n.isEmpty() ? 0 : Long.parseLong(n);
        if (count == 0 && !settings.clustered()) {
            return 0; // (in the cluster a replica that lags may count 0 while others hold rows: always mutate there)
        }
        // ALTER DELETE does not work on a Distributed table: in the cluster layout it goes to this replica's _local
        // table, and ReplicatedMergeTree carries the mutation to every replica through ZooKeeper (one shard: no ON
        // CLUSTER, which would wait for every host and fail while one is down).
        String target = settings.clustered() ? settings.database() + "." + table.name() + "_local" : qualified(table);
        query(table, "ALTER TABLE " + target + " DELETE WHERE " + condition, Map.of());
        long deadline = System.nanoTime() + Duration.ofMillis(settings.socketTimeoutMillis()).toNanos() * 2;
        while (System.nanoTime() < deadline) { // 18.16 has no mutations_sync: wait for the mutation here
            String pending = query(table, "SELECT count() FROM system.mutations WHERE database = '" + settings.database()
                    + "' AND table = '" + table.name() + (settings.clustered() ? "_local" : "")
                    + "' AND is_done = 0 FORMAT TabSeparated", Map.of()).trim();
            if (pending.equals("0")) {
                return count;
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SessionException("interrupted while waiting for a delete on " + table.name(), e);
            }
        }
        throw new SessionException("delete on " + table.name() + " still running after the timeout");
    }

    /** Runs {@code sql}; {@code where}'s values go along as the external table {@code p}. */
    private String query(Table table, String sql, Map<String, Object> where) throws SessionException {
        StringBuilder url = new StringBuilder(settings.url()).append("/?database=")
                .append(URLEncoder.encode(settings.database(), StandardCharsets.UTF_8))
                .append("&query=").append(URLEncoder.encode(sql, StandardCharsets.UTF_8));
        HttpRequest.Builder req = HttpRequest.newBuilder().header("Authorization", auth)
                .timeout(Duration.ofMillis(settings.socketTimeoutMillis()));
        if (where.isEmpty()) {
            req.POST(HttpRequest.BodyPublishers.noBody());
        } else {
            TableSchema schema = schemas.apply(table.name());
            StringBuilder structure = new StringBuilder();
            StringBuilder data = new StringBuilder();
            for (Map.Entry<String, Object> e : where.entrySet()) {
                String type = schema.getColumnByName(table.requireColumn(e.getKey())).getOriginalTypeName();
                structure.append(structure.length() == 0 ? "" : ", ").append(e.getKey()).append(' ').append(type);
                data.append(data.length() == 0 ? "" : "\t").append(escape(String.valueOf(e.getValue())));
            }
            url.append("&p_format=TabSeparated&p_structure=").append(URLEncoder.encode(structure.toString(), StandardCharsets.UTF_8));
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            String head = "--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"p\"; filename=\"p\"\r\n"
                    + "Content-Type: application/octet-stream\r\n\r\n";
            body.writeBytes(head.getBytes(StandardCharsets.UTF_8));
            body.writeBytes((data + "\n").getBytes(StandardCharsets.UTF_8));
            body.writeBytes(("\r\n--" + BOUNDARY + "--\r\n").getBytes(StandardCharsets.UTF_8));
            req.header("Content-Type", "multipart/form-data; boundary=" + BOUNDARY)
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray()));
        }
        try {
            HttpResponse<String> r = http.send(req.uri(URI.create(url.toString())).build(),
                    HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            if (r.statusCode() != 200) {
                String msg = r.body().length() > 300 ? r.body().substring(0, 300) : r.body();
                throw new SessionException("clickhouse query on " + table.name() + " failed (" + r.statusCode() + "): " + msg.trim());
            }
            return r.body();
        } catch (IOException e) {
            throw new SessionException("clickhouse query on " + table.name() + " failed: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SessionException("interrupted", e);
        }
    }

    /** {@code WHERE (a, b) IN (SELECT a, b FROM p)}: the values are in the external table, not here. */
    private static String filter(Table table, Map<String, Object> where) {
        if (where.isEmpty()) {
            return "";
        }
        List<String> names = new ArrayList<>();
        for (String c : where.keySet()) {
            names.add(table.requireColumn(c));
        }
        String cols = String.join(", ", names);
        return " WHERE (" + cols + ") IN (SELECT " + cols + " FROM p)";
    }

    private String qualified(Table t) {
        return settings.database() + "." + t.name();
    }


    private static Object parse(ColumnType type, String s) {
        if (s.isEmpty() || s.equals("\\N")) {
            return null;
        }
        return switch (type) {
            case UUID -> {
                UUID u = UUID.fromString(s);
                yield u.equals(ZERO_UUID) ? null : u;
            }
            case STRING, JSON -> s;
            case INT64, TIMESTAMP -> Long.parseLong(s);
            case INT32 -> Integer.parseInt(s);
            case FLOAT64 -> Double.parseDouble(s);
            case DECIMAL -> new BigDecimal(s).setScale(ColumnType.DECIMAL_SCALE);
        };
    }

    static String escape(String s) {
        StringBuilder sb = new StringBuilder(s.length() + 8);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '\\' -> sb.append("\\\\");
                case '\t' -> sb.append("\\t");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\0' -> sb.append("\\0");
                default -> sb.append(c);
            }
        }
        return sb.toString();
    }

    static String unescape(String s) {
        if (s.indexOf('\\') < 0) {
            return s;
        }
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 1 < s.length()) {
                char n = s.charAt(++i);
                sb.append(switch (n) {
                    case 't' -> '\t';
                    case 'n' -> '\n';
                    case 'r' -> '\r';
                    case '0' -> '\0';
                    case 'b' -> '\b';
                    case 'f' -> '\f';
                    default -> n;
                });
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }
}
