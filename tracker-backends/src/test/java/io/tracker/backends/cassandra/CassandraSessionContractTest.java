package io.tracker.backends.cassandra;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.SimpleStatement;
import io.tracker.backends.SessionContract;
import io.tracker.core.session.Session;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import io.tracker.core.model.Row;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;

/**
 * The shared session kit against the real Cassandra node of {@code scripts/cassandra.sh}. One keyspace for the
 * class (schema statements take about a second each on a small node), emptied before every test.
 */
class CassandraSessionContractTest extends SessionContract {
    static final String CONTACT = System.getenv().getOrDefault("TRACKER_TEST_CASSANDRA", "127.0.0.1:9042");
    private static final String KEYSPACE = "contract_" + UUID.randomUUID().toString().replace("-", "").substring(0, 10);
    private static CqlSession admin;
    private static CassandraSession reader;

    static CqlSession connect() {
        int colon = CONTACT.lastIndexOf(':');
        return CqlSession.builder().addContactPoint(new InetSocketAddress(CONTACT.substring(0, colon),
                Integer.parseInt(CONTACT.substring(colon + 1)))).withLocalDatacenter("datacenter1").build();
    }

    static CassandraSession session(String keyspace) {
        return session(keyspace, true);
    }

    static CassandraSession session(String keyspace, boolean createSchema) {
        CassandraSettings d = CassandraSettings.standard();
        return new CassandraSession("cassandra", new CassandraSettings(List.of(CONTACT), d.localDatacenter(), keyspace,
                d.replicationStrategy(), 1, "", "", d.requestTimeoutMillis(), d.schemaTimeoutMillis(), d.maxInFlight(),
                createSchema));
    }

    /** Read back through one session for the class (a driver connection takes ~2 s). */
    @Override
    protected List<java.util.Map<String, Object>> readBack(io.tracker.core.model.Table table) throws Exception {
        return reader.reader().orElseThrow().find(table, java.util.Map.of(), null, 100_000);
    }

    @BeforeAll
    static void keyspace() throws Exception {
        CassandraNode.awaitReady();
        admin = connect();
        CassandraSession s = session(KEYSPACE);
        s.open(io.tracker.core.model.Tables.ALL); // creates the keyspace and tables once
        s.close();
        reader = session(KEYSPACE, false);
        reader.open(io.tracker.core.model.Tables.ALL);
    }

    @AfterAll
    static void drop() {
        reader.close();
        admin.execute(SimpleStatement.newInstance("DROP KEYSPACE IF EXISTS " + KEYSPACE).setTimeout(Duration.ofSeconds(60)));
        admin.close();
    }

    @BeforeEach
    void empty() {
        for (var t : io.tracker.core.model.Tables.ALL) {
            admin.execute(SimpleStatement.newInstance("TRUNCATE " + KEYSPACE + "." + t.name()).setTimeout(Duration.ofSeconds(60)));
        }
    }

    @Override
    protected Session newSession() {
        return session(KEYSPACE);
    }

    /** Cassandra refuses a mutation over half its commit-log segment (16 MiB by default). */
    @Override
    protected Row poisonRow(UUID eid) {
        return new io.tracker.core.model.RowBuilder(io.tracker.core.model.Tables.EVENTS).eid(eid)
                .set("ename", "poison").set("created_at", 1_700_000_000_000L)
                .set("params", "{\"blob\":\"" + "x".repeat(20 << 20) + "\"}").build();
    }

    @Override
    protected List<UUID> storedEids() {
        List<UUID> out = new ArrayList<>();
        admin.execute("SELECT eid FROM " + KEYSPACE + ".events").forEach(r -> out.add(r.getUuid(0)));
        return out;
    }
}
