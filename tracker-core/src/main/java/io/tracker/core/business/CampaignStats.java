package io.tracker.core.business;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tracker.core.model.Row;
import io.tracker.core.model.Tables;
import io.tracker.core.query.Analytics;
import io.tracker.core.query.EventQuery;
import io.tracker.core.query.QueryParser;
import io.tracker.core.session.SessionException;
import java.time.Clock;
import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.TemporalAdjusters;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Campaign statistics (the attribution service): clicks, conversions and conversion value per day of one campaign.
 * Days before today come from the store (its {@code campaign_daily} rollup where it keeps one: DuckDB) ({@code events} of {@link #CLICK} / {@link #CONVERSION} with the campaign in
 * {@code campaign}, value in {@code params.revenue}). Today is the store's count of the events stamped before this
 * process started accepting (what earlier runs stored; cached briefly, so a replayed WAL is caught up) plus the exact
 * live count of the events this process accepted since, kept in memory as they are acknowledged — split by the
 * event's own {@code created_at}, so no event is counted by both. In a cluster each node sees only its own traffic:
 * there today comes from the store alone ({@code live} off).
 */
public final class CampaignStats {
    public static final String CLICK = "campaign_click";
    public static final String CONVERSION = "campaign_conversion";
    private static final int ENAME = Tables.EVENTS.indexOf("ename");
    private static final int CAMPAIGN = Tables.EVENTS.indexOf("campaign");
    private static final int OID = Tables.EVENTS.indexOf("oid");
    private static final int CREATED = Tables.EVENTS.indexOf("created_at");
    private static final int PARAMS = Tables.EVENTS.indexOf("params");
    private static final long BASELINE_CACHE_MILLIS = 10_000;
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The API session's query side, looked up per call. */
    @FunctionalInterface
    public interface Source {
        Analytics get() throws SessionException;
    }

    /** One bucket: its first day and its counts; {@code valueCents} exact. */
    public record Bucket(LocalDate date, long clicks, long conversions, long valueCents) {
        public double conversionRate() {
            return clicks == 0 ? 0 : Math.round(10_000.0 * conversions / clicks) / 10_000.0;
        }
    }

    public enum GroupBy { DAILY, WEEKLY, MONTHLY }

    private record Key(UUID oid, String campaign, LocalDate day) {
    }

    private static final class Counts {
        final LongAdder clicks = new LongAdder();
        final LongAdder conversions = new LongAdder();
        final LongAdder cents = new LongAdder();
    }

    private record Baseline(Bucket bucket, long at) {
    }

    private final Source source;
    private final Clock clock;
    private final boolean live;
    private final long liveSince;
    private final Map<Key, Counts> today = new ConcurrentHashMap<>();
    /** Live counters kept at most (tenant × campaign of a day): past it, today is read from the store. */
    static final int MAX_LIVE_KEYS = 100_000;
    private volatile LocalDate liveDay;
    private volatile LocalDate overflowDay;
    private final Map<Key, Baseline> baselines = new ConcurrentHashMap<>();
    /** Closed days by (tenant, campaign, range): they change only by an erasure or a late replay, for a minute at most. */
    private final com.github.benmanes.caffeine.cache.Cache<List<Object>, Map<LocalDate, long[]>> history;

    public CampaignStats(Source source, Clock clock, boolean live) {
        this(source, clock, live, 60);
    }

    /** {@code historySeconds}: how long the days before today are cached (0: read every time). */
    public CampaignStats(Source source, Clock clock, boolean live, int historySeconds) {
        this.source = source;
        this.clock = clock;
        this.live = live;
        this.history = com.github.benmanes.caffeine.cache.Caffeine.newBuilder().maximumSize(10_000)
                .expireAfterWrite(java.time.Duration.ofSeconds(historySeconds)).build();
        // the next whole second: ClickHouse keeps created_at in seconds, and the split must be the same in every store
        this.liveSince = (Math.floorDiv(clock.millis(), 1000) + 1) * 1000;
    }

    /** Counts the accepted campaign rows of a batch ({@link io.tracker.core.pipeline.Ingest#onAccepted}). */
    public void accepted(List<Row> rows) {
        if (!live) {
            return;
        }
        for (Row r : rows) {
            if (r.table() != Tables.EVENTS || !(r.get(ENAME) instanceof String name)
                    || !(name.equals(CLICK) || name.equals(CONVERSION))
                    || !(r.get(CAMPAIGN) instanceof String campaign) || !(r.get(OID) instanceof UUID oid)
                    || !(r.get(CREATED) instanceof Long at) || at < liveSince) {
                continue;
            }
            LocalDate day = LocalDate.ofInstant(Instant.ofEpochMilli(at), ZoneOffset.UTC);
            if (liveDay != null && day.isBefore(liveDay)) {
                continue; // a backdated event (a Segment timestamp): a closed day, counted by the store
            }
            if (!day.equals(liveDay)) { // a new day: yesterday's counters are history now (the store has them)
                liveDay = day;
                today.keySet().removeIf(k -> k.day().isBefore(day));
            }
            Key key = new Key(oid, campaign, day);
            Counts c = today.get(key);
            if (c == null) {
                if (today.size() >= MAX_LIVE_KEYS) {
                    overflowDay = day; // too many campaigns to count live: today comes from the store
                    continue;
                }
                c = today.computeIfAbsent(key, k -> new Counts());
            }
            if (name.equals(CLICK)) {
                c.clicks.increment();
            } else {
                c.conversions.increment();
                c.cents.add(cents(r.get(PARAMS)));
            }
        }
    }

    /** A conversion's value in cents: {@code params.revenue} of its params text (0 when none). */
    public static long cents(Object params) {
        if (!(params instanceof String s) || !s.contains("revenue")) {
            return 0;
        }
        try {
            JsonNode v = JSON.readTree(s).path("revenue");
            return v.isNumber() ? Math.round(v.asDouble() * 100) : 0;
        } catch (Exception e) {
            return 0;
        }
    }

    /** The buckets of [{@code from}, {@code to}] (UTC dates, inclusive) of {@code campaign} in tenant {@code oid}. */
    public List<Bucket> statistics(UUID oid, String campaign, GroupBy groupBy, LocalDate from, LocalDate to)
            throws SessionException {
        LocalDate now = LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC);
        today.keySet().removeIf(k -> k.day().isBefore(now)); // yesterday is history: stored, read from the store
        baselines.keySet().removeIf(k -> k.day().isBefore(now));
        Map<LocalDate, long[]> days = new TreeMap<>();
        LocalDate historyEnd = to.isBefore(now) ? to.plusDays(1) : now;
        if (from.isBefore(historyEnd)) {
            List<Object> key = List.of(oid, campaign, from, historyEnd);
            Map<LocalDate, long[]> closed = history.getIfPresent(key);
            if (closed == null) {
                closed = new TreeMap<>();
                List<Analytics.CampaignDay> rollup = source.get().campaignDays(oid, campaign, from, historyEnd);
                if (rollup != null) { // the store keeps campaign_daily: no scan of events
                    for (Analytics.CampaignDay d : rollup) {
                        add(closed, d.day(), d.clicks(), d.conversions(), d.valueCents());
                    }
                } else {
                    fold(closed, stored(oid, campaign, start(from), start(historyEnd)));
                }
                history.put(key, closed);
            }
            closed.forEach((d, v) -> add(days, d, v[0], v[1], v[2]));
        }
        if (!from.isAfter(now) && !to.isBefore(now)) {
            Bucket t = today(oid, campaign, now);
            add(days, now, t.clicks(), t.conversions(), t.valueCents());
        }
        Map<LocalDate, long[]> grouped = new TreeMap<>();
        days.forEach((d, v) -> {
            LocalDate g = switch (groupBy) {
                case DAILY -> d;
                case WEEKLY -> d.with(TemporalAdjusters.previousOrSame(DayOfWeek.MONDAY));
                case MONTHLY -> d.withDayOfMonth(1);
            };
            add(grouped, g, v[0], v[1], v[2]);
        });
        return grouped.entrySet().stream().map(e -> new Bucket(e.getKey(), e.getValue()[0], e.getValue()[1],
                e.getValue()[2])).toList();
    }

    private Bucket today(UUID oid, String campaign, LocalDate day) throws SessionException {
        Instant dayStart = start(day);
        if (!live || day.equals(overflowDay)) {
            List<Analytics.Group> g = stored(oid, campaign, dayStart, start(day.plusDays(1)));
            Map<LocalDate, long[]> m = new TreeMap<>();
            fold(m, g);
            long[] v = m.getOrDefault(day, new long[3]);
            return new Bucket(day, v[0], v[1], v[2]);
        }
        Key key = new Key(oid, campaign, day);
        long clicks = 0;
        long conversions = 0;
        long cents = 0;
        if (liveSince > dayStart.toEpochMilli()) { // this process started today: what was stored before it
            Baseline b = baselines.get(key);
            long nowMillis = clock.millis();
            // (just after the start, events accepted before liveSince may still be on their way to the store: not cached)
            if (b == null || nowMillis - b.at() > BASELINE_CACHE_MILLIS || b.at() < liveSince + BASELINE_CACHE_MILLIS) {
                Map<LocalDate, long[]> m = new TreeMap<>();
                fold(m, stored(oid, campaign, dayStart, Instant.ofEpochMilli(liveSince)));
                long[] v = m.getOrDefault(day, new long[3]);
                b = new Baseline(new Bucket(day, v[0], v[1], v[2]), nowMillis);
                baselines.put(key, b);
            }
            clicks += b.bucket().clicks();
            conversions += b.bucket().conversions();
            cents += b.bucket().valueCents();
        }
        Counts c = today.get(key);
        if (c != null) {
            clicks += c.clicks.sum();
            conversions += c.conversions.sum();
            cents += c.cents.sum();
        }
        return new Bucket(day, clicks, conversions, cents);
    }

    private List<Analytics.Group> stored(UUID oid, String campaign, Instant from, Instant to) throws SessionException {
        try {
            EventQuery.Filter filter = new EventQuery.And(List.of(
                    new EventQuery.Condition(EventQuery.Op.IS, QueryParser.dimension("visit:campaign", "campaign"),
                            List.of(campaign)),
                    new EventQuery.Condition(EventQuery.Op.IS, QueryParser.dimension("event:name", "ename"),
                            List.of(CLICK, CONVERSION))));
            EventQuery q = new EventQuery(oid, from, to, List.of(EventQuery.Metric.EVENTS, EventQuery.Metric.REVENUE),
                    List.of(QueryParser.dimension("time:day", "group_by"), QueryParser.dimension("event:name", "ename")),
                    filter, List.of(), 100_000, 0, true, List.of());
            return source.get().aggregate(q);
        } catch (io.tracker.core.pipeline.BadRequestException e) {
            throw new IllegalStateException(e); // our own dimension names
        }
    }

    private static void fold(Map<LocalDate, long[]> days, List<Analytics.Group> groups) {
        for (Analytics.Group g : groups) {
            LocalDate d = LocalDate.ofInstant(Instant.ofEpochMilli((Long) g.dimensions().get(0)), ZoneOffset.UTC);
            boolean click = CLICK.equals(g.dimensions().get(1));
            long n = ((Number) g.metrics().get(0)).longValue();
            long cents = Math.round(((Number) g.metrics().get(1)).doubleValue() * 100);
            add(days, d, click ? n : 0, click ? 0 : n, click ? 0 : cents);
        }
    }

    private static void add(Map<LocalDate, long[]> m, LocalDate d, long clicks, long conversions, long cents) {
        long[] v = m.computeIfAbsent(d, k -> new long[3]);
        v[0] += clicks;
        v[1] += conversions;
        v[2] += cents;
    }

    private static Instant start(LocalDate d) {
        return d.atStartOfDay(ZoneOffset.UTC).toInstant();
    }
}
