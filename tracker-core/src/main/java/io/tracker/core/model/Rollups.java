package io.tracker.core.model;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;

/**
 * The KPI rollups maintained from {@code events} as data arrives: {@code hourly_event_stats} (the OTA analytics
 * server's view), {@code daily_kpis} and {@code monthly_kpis} (koki's daily and monthly listings). Each row is a
 * bucket (UTC), its dimensions, {@code is_bot}, and {@code events} and {@code visitors} (distinct {@code vid}).
 * Absent dimensions are {@code ''} (the zero UUID for {@code oid}), as ClickHouse's column defaults are, so keys
 * agree between backends. {@code is_bot} is part of every key: "humans only" is {@code WHERE NOT is_bot} and stays
 * exact whatever the bot setting was when the rows arrived.
 */
public final class Rollups {
    private Rollups() {
    }

    public enum Grain {
        HOUR, DAY, MONTH;

        /** The bucket holding {@code epochMillis}: the hour's start in epoch millis, or the day / month's first day. */
        public Object bucket(long epochMillis) {
            return switch (this) {
                case HOUR -> Math.floorDiv(epochMillis, 3_600_000L) * 3_600_000L;
                case DAY -> LocalDate.ofInstant(Instant.ofEpochMilli(epochMillis), ZoneOffset.UTC);
                case MONTH -> LocalDate.ofInstant(Instant.ofEpochMilli(epochMillis), ZoneOffset.UTC).withDayOfMonth(1);
            };
        }
    }

    /**
     * @param table        the rollup table
     * @param bucketColumn its time column ({@code hour} TIMESTAMP, {@code day} / {@code month} DATE)
     * @param grain        the bucket width
     * @param dimensions   the {@code events} columns it groups by, besides the bucket and {@code is_bot}
     */
    public record Rollup(String table, String bucketColumn, Grain grain, List<String> dimensions) {
        /** The key's column list, for SQL: bucket, dimensions, {@code is_bot}. */
        public String keyColumns() {
            return bucketColumn + ", " + String.join(", ", dimensions) + ", is_bot";
        }
    }

    public static final Rollup HOURLY = new Rollup("hourly_event_stats", "hour", Grain.HOUR, List.of("oid", "ename"));
    public static final Rollup DAILY = new Rollup("daily_kpis", "day", Grain.DAY,
            List.of("oid", "ename", "source", "medium", "campaign", "channel", "country", "device"));
    public static final Rollup MONTHLY = new Rollup("monthly_kpis", "month", Grain.MONTH, List.of("oid", "ename"));

    public static final List<Rollup> ALL = List.of(HOURLY, DAILY, MONTHLY);
}
