package io.tracker.core.model;

import static io.tracker.core.model.ColumnType.FLOAT64;
import static io.tracker.core.model.ColumnType.INT32;
import static io.tracker.core.model.ColumnType.INT64;
import static io.tracker.core.model.ColumnType.JSON;
import static io.tracker.core.model.ColumnType.STRING;
import static io.tracker.core.model.ColumnType.TIMESTAMP;
import static io.tracker.core.model.ColumnType.UUID;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/** The tables the tracker writes. Column lists follow spec §9.2. */
public final class Tables {
    private Tables() {
    }

    /** {@code events}: one row per tracked hit (spec §9.2, full column set). */
    public static final Table EVENTS = new Table("events", List.of(
            Column.of("eid", UUID),
            Column.of("oid", UUID),
            Column.of("org", STRING),
            Column.of("vid", UUID),
            Column.of("device_id", UUID),
            Column.of("sid", UUID),
            Column.of("hhash", STRING),
            Column.of("app", STRING),
            Column.of("rel", STRING),
            Column.of("cflags", INT64),
            Column.of("created_at", TIMESTAMP),
            Column.of("uid", UUID),
            Column.of("tid", UUID),
            Column.of("last", STRING),
            Column.of("url", STRING),
            Column.of("ip", STRING),
            Column.of("iphash", STRING),
            Column.of("lat", FLOAT64),
            Column.of("lon", FLOAT64),
            Column.of("ptyp", STRING),
            Column.of("bhash", STRING),
            Column.of("auth_id", UUID),
            Column.of("duration", INT64),
            Column.of("xid", STRING),
            Column.of("split", STRING),
            Column.of("ename", STRING),
            Column.of("source", STRING),
            Column.of("medium", STRING),
            Column.of("campaign", STRING),
            Column.of("content", STRING),
            Column.of("country", STRING),
            Column.of("region", STRING),
            Column.of("city", STRING),
            Column.of("zip", STRING),
            Column.of("term", STRING),
            Column.of("etyp", STRING),
            Column.of("ver", INT32),
            Column.of("sink", STRING),
            Column.of("score", FLOAT64),
            Column.of("params", JSON),
            Column.of("invoice_id", UUID),
            Column.of("targets", JSON),
            Column.of("relation", STRING),
            Column.of("rid", UUID),
            Column.of("ja4h", STRING),
            Column.of("gaid", STRING),
            Column.of("idfa", STRING),
            Column.of("msid", STRING),
            Column.of("fbid", STRING),
            Column.of("culture", STRING),
            Column.of("ref", UUID),
            Column.of("rcode", STRING),
            Column.of("aff", STRING),
            Column.of("arm_id", STRING),
            Column.of("mcid", STRING),
            Column.of("browser", STRING),
            Column.of("device", STRING),
            Column.of("os", STRING),
            Column.of("tz", STRING),
            Column.of("vp_w", INT64),
            Column.of("vp_h", INT64)));

    public static final List<Table> ALL = List.of(EVENTS);

    private static final Map<String, Table> BY_NAME =
            ALL.stream().collect(Collectors.toUnmodifiableMap(Table::name, Function.identity()));

    public static Optional<Table> byName(String name) {
        return Optional.ofNullable(BY_NAME.get(name));
    }
}
