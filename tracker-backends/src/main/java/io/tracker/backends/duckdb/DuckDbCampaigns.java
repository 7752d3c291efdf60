package io.tracker.backends.duckdb;

import io.tracker.core.business.CampaignStats;
import io.tracker.core.model.Row;
import io.tracker.core.model.Tables;
import io.tracker.core.query.Analytics;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * {@code campaign_daily}: clicks, conversions and conversion value (cents) per day, tenant and campaign, upserted in the
 * transaction of each events batch from the rows it inserted (a replay adds nothing), rebuilt with the rollups. The
 * campaign statistics read their closed days here instead of scanning events.
 */
final class DuckDbCampaigns {
    private static final int ENAME = Tables.EVENTS.indexOf("ename");
    private static final int CAMPAIGN = Tables.EVENTS.indexOf("campaign");
    private static final int OID = Tables.EVENTS.indexOf("oid");
    private static final int CREATED = Tables.EVENTS.indexOf("created_at");
    private static final int PARAMS = Tables.EVENTS.indexOf("params");

    private DuckDbCampaigns() {
    }

    private record Key(LocalDate day, UUID oid, String campaign) {
    }

    static void apply(Connection c, List<Row> inserted) throws SQLException {
        Map<Key, long[]> sums = new HashMap<>();
        for (Row r : inserted) {
            if (!(r.get(ENAME) instanceof String name) || !(name.equals(CampaignStats.CLICK)
                    || name.equals(CampaignStats.CONVERSION)) || !(r.get(CAMPAIGN) instanceof String campaign)
                    || !(r.get(OID) instanceof UUID oid) || !(r.get(CREATED) instanceof Long at)) {
                continue;
            }
            long[] v = sums.computeIfAbsent(new Key(LocalDate.ofInstant(Instant.ofEpochMilli(at), ZoneOffset.UTC), oid,
                    campaign), k -> new long[3]);
            if (name.equals(CampaignStats.CLICK)) {
                v[0]++;
            } else {
                v[1]++;
                v[2] += CampaignStats.cents(r.get(PARAMS)); // as the live count does
            }
        }
        if (sums.isEmpty()) {
            return;
        }
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO campaign_daily VALUES (?, ?, ?, ?, ?, ?) "
                + "ON CONFLICT DO UPDATE SET clicks = campaign_daily.clicks + excluded.clicks, "
                + "conversions = campaign_daily.conversions + excluded.conversions, "
                + "value_cents = campaign_daily.value_cents + excluded.value_cents")) {
            for (Map.Entry<Key, long[]> e : sums.entrySet()) {
                ps.setObject(1, e.getKey().day());
                ps.setObject(2, e.getKey().oid());
                ps.setString(3, e.getKey().campaign());
                ps.setLong(4, e.getValue()[0]);
                ps.setLong(5, e.getValue()[1]);
                ps.setLong(6, e.getValue()[2]);
                ps.execute();
            }
        }
    }

    /** Days [{@code from}, {@code to}) of one campaign. */
    static List<Analytics.CampaignDay> read(Connection c, UUID oid, String campaign, LocalDate from, LocalDate to)
            throws SQLException {
        List<Analytics.CampaignDay> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT day, clicks, conversions, value_cents FROM campaign_daily "
                + "WHERE oid = ? AND campaign = ? AND day >= ? AND day < ? ORDER BY day")) {
            ps.setObject(1, oid);
            ps.setString(2, campaign);
            ps.setObject(3, from);
            ps.setObject(4, to);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new Analytics.CampaignDay(rs.getObject(1, LocalDate.class), rs.getLong(2), rs.getLong(3),
                            rs.getLong(4)));
                }
            }
        }
        return out;
    }

    /** Recomputes [start, end) from events; the rows written. */
    static long rebuild(Connection c, LocalDate start, LocalDate end) throws SQLException {
        try (PreparedStatement del = c.prepareStatement("DELETE FROM campaign_daily WHERE day >= ? AND day < ?")) {
            del.setObject(1, start);
            del.setObject(2, end);
            del.execute();
        }
        try (PreparedStatement ins = c.prepareStatement("INSERT INTO campaign_daily SELECT CAST(created_at AS DATE), oid, "
                + "campaign, count(*) FILTER (WHERE ename = ?), count(*) FILTER (WHERE ename = ?), "
                + "coalesce(sum(round(coalesce(TRY_CAST(json_extract_string(params, '$.revenue') AS DOUBLE), 0) * 100)) "
                + "FILTER (WHERE ename = ?), 0) FROM events WHERE created_at >= CAST(? AS TIMESTAMP) "
                + "AND created_at < CAST(? AS TIMESTAMP) AND oid IS NOT NULL AND campaign IS NOT NULL "
                + "AND ename IN (?, ?) GROUP BY ALL")) {
            ins.setString(1, CampaignStats.CLICK);
            ins.setString(2, CampaignStats.CONVERSION);
            ins.setString(3, CampaignStats.CONVERSION);
            ins.setObject(4, start);
            ins.setObject(5, end);
            ins.setString(6, CampaignStats.CLICK);
            ins.setString(7, CampaignStats.CONVERSION);
            return ins.executeUpdate();
        }
    }
}
