package io.tracker.bench;

import io.tracker.backends.duckdb.DuckDbSession;
import io.tracker.backends.duckdb.DuckDbSettings;
import io.tracker.core.business.CampaignStats;
import io.tracker.core.model.Tables;
import io.tracker.core.query.Analytics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * {@code GET /api/campaigns/statistics} without HTTP: {@link CampaignStats} over DuckDB holding {@code rows} events
 * of the last 30 days (10 tenants, 50 campaigns, 2% clicks, 0.2% conversions; built once in {@code dir} and reused).
 * Sample mode: read p50/p99 off the percentiles. {@code rollup=false} aggregates events instead of reading
 * {@code campaign_daily} (the path of a store that keeps no campaign rollup: ClickHouse).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 5)
@Measurement(iterations = 5, time = 5)
@Fork(value = 1, jvmArgs = {"-Xmx2g"})
public class CampaignStatsBenchmark {
    static final UUID TENANT = new UUID(0x0a0a0a0a00004000L, 0x8000000000000000L); // every campaign event is its

    @Param("10000000")
    long rows;

    @Param("/tmp/tracker-bench-campaign")
    String dir;

    /** Seconds the closed days are cached: 0 reads the store on every call (the cold path). */
    @Param({"0", "60"})
    int historySeconds;

    @Param({"true", "false"})
    boolean rollup;

    private DuckDbSession session;
    private CampaignStats stats;
    private LocalDate today;

    @Setup
    public void setUp() throws Exception {
        Path file = Path.of(dir, "events-" + rows + ".duckdb");
        if (!Files.exists(file)) {
            Files.createDirectories(file.getParent());
            DuckDbSession s = new DuckDbSession("bench", file, new DuckDbSettings(file.toString(), "1GB", 2, "256MB"));
            s.open(Tables.ALL);
            s.close();
            try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + file); Statement st = c.createStatement()) {
                // one statement builds the table: every 50th event a click, every 500th a conversion
                st.execute("INSERT INTO events (eid, oid, vid, sid, created_at, ename, campaign, params) SELECT uuid(), "
                        + "('0a0a0a0a-0000-4000-8000-00000000000' || (i % 10))::UUID, uuid(), uuid(), "
                        + "now()::TIMESTAMP - INTERVAL 1 SECOND * (i % (30 * 86400)), "
                        + "CASE WHEN i % 500 = 0 THEN 'campaign_conversion' WHEN i % 50 = 0 THEN 'campaign_click' "
                        + "ELSE 'page_view' END, CASE WHEN i % 50 = 0 THEN 'c' || ((i / 50) % 50) END, "
                        + "CASE WHEN i % 500 = 0 THEN '{\"revenue\": 12.5}' ELSE '{}' END FROM range(" + rows + ") t(i)");
                st.execute("CHECKPOINT");
                try (ResultSet rs = st.executeQuery("SELECT count(*) FROM events")) {
                    rs.next();
                    System.out.println("built " + rs.getLong(1) + " events in " + file);
                }
            }
        }
        DuckDbSession schema = new DuckDbSession("bench", file, new DuckDbSettings(file.toString(), "1GB", 2, "256MB"));
        schema.open(Tables.ALL); // (adds campaign_daily to a file built by an earlier version)
        schema.close();
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + file); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*) FROM campaign_daily")) {
            rs.next();
            if (rs.getLong(1) == 0) { // what the session keeps as rows arrive, for rows the bench inserted directly
                st.execute("INSERT INTO campaign_daily SELECT CAST(created_at AS DATE), oid, campaign, "
                        + "count(*) FILTER (WHERE ename = 'campaign_click'), count(*) FILTER (WHERE ename = "
                        + "'campaign_conversion'), coalesce(sum(1250) FILTER (WHERE ename = 'campaign_conversion'), 0) "
                        + "FROM events WHERE campaign IS NOT NULL GROUP BY ALL");
            }
        }
        session = new DuckDbSession("bench", file, new DuckDbSettings(file.toString(), "1GB", 1, "256MB"));
        session.open(Tables.ALL);
        Analytics store = session.analytics().orElseThrow();
        Analytics analytics = rollup ? store : new Analytics() { // the same store without its campaign rollup
            @Override
            public java.util.List<Group> aggregate(io.tracker.core.query.EventQuery q) throws io.tracker.core.session.SessionException {
                return store.aggregate(q);
            }

            @Override
            public Page userEvents(UUID oid, String by, UUID subject, long from, long to, java.util.List<String> enames,
                                   io.tracker.core.query.QueryPlanner.Cursor after, int limit)
                    throws io.tracker.core.session.SessionException {
                return store.userEvents(oid, by, subject, from, to, enames, after, limit);
            }

            @Override
            public Page scan(long from, long to, java.util.List<String> enames,
                             io.tracker.core.query.QueryPlanner.Cursor after, int limit)
                    throws io.tracker.core.session.SessionException {
                return store.scan(from, to, enames, after, limit);
            }
        };
        stats = new CampaignStats(() -> analytics, Clock.systemUTC(), true, historySeconds);
        today = LocalDate.now(ZoneOffset.UTC);
    }

    @TearDown
    public void tearDown() throws Exception {
        session.close();
    }

    /** Thirty days of one campaign of one tenant, daily: history from the store, today live plus its baseline. */
    @Benchmark
    public Object thirtyDaysDaily() throws Exception {
        return stats.statistics(TENANT, "c3", CampaignStats.GroupBy.DAILY, today.minusDays(29), today);
    }
}
