package io.tracker.backends.clickhouse;

import io.tracker.backends.SessionContract;
import io.tracker.core.session.Session;
import java.util.ArrayList;
import io.tracker.core.model.Row;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/** The contract against the real ClickHouse of scripts/clickhouse.sh, in a database of its own. */
class ClickHouseSessionContractTest extends SessionContract {
    private String database;

    @BeforeEach
    void database() {
        database = "contract_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    }

    @AfterEach
    void drop() throws Exception {
        ClickHouseSession s = ClickHouseSessionTest.session(database);
        s.open(List.of());
        s.query("DROP DATABASE IF EXISTS " + database);
        s.close();
    }

    @Override
    protected Session newSession() {
        return ClickHouseSessionTest.session(database);
    }

    /** ClickHouse's DateTime ends in 2106 (2299 for DateTime64): a time beyond it is refused. */
    @Override
    protected Row poisonRow(UUID eid) {
        return event(eid, "poison", Long.MAX_VALUE);
    }

    @Override
    protected List<UUID> storedEids() throws Exception {
        ClickHouseSession s = ClickHouseSessionTest.session(database);
        s.open(List.of());
        try {
            List<UUID> out = new ArrayList<>();
            for (String line : s.query("SELECT toString(eid) FROM " + database + ".events").split("\n")) {
                if (!line.isBlank()) {
                    out.add(UUID.fromString(line.trim()));
                }
            }
            return out;
        } finally {
            s.close();
        }
    }

    @Override
    protected List<String[]> rollupsAndTruth() throws Exception {
        List<String[]> out = new ArrayList<>();
        ClickHouseSession s = ClickHouseSessionTest.session(database);
        s.open(List.of());
        try {
            for (io.tracker.core.model.Rollups.Rollup r : io.tracker.core.model.Rollups.ALL) {
                String key = r.keyColumns();
                out.add(new String[] {
                        s.query("SELECT " + key + ", events, visitors FROM " + database + "." + r.table() + " ORDER BY "
                                + key),
                        truth(s, r, key)});
            }
        } finally {
            s.close();
        }
        return out;
    }

    @Override
    protected void damageRollups() throws Exception {
        ClickHouseSession s = ClickHouseSessionTest.session(database);
        s.open(List.of());
        try {
            s.query("ALTER TABLE " + database + ".daily_kpis_state DROP PARTITION 202602");
            s.query("ALTER TABLE " + database + ".monthly_kpis_state DROP PARTITION 202601");
        } finally {
            s.close();
        }
    }

    /** The exact GROUP BY over events (count, uniqExact), as the rollup view prints it. */
    private String truth(ClickHouseSession s, io.tracker.core.model.Rollups.Rollup r, String key) throws Exception {
        String bucket = switch (r.grain()) {
            case HOUR -> "toStartOfHour(created_at)";
            case DAY -> "toDate(created_at)";
            case MONTH -> "toStartOfMonth(created_at)";
        };
        return s.query("SELECT " + bucket + " AS " + r.bucketColumn() + ", " + String.join(", ", r.dimensions())
                + ", is_bot, count(), uniqExactIf(vid, vid != toUUID('00000000-0000-0000-0000-000000000000')) FROM "
                + database + ".events GROUP BY " + key + " ORDER BY " + key);
    }
}
