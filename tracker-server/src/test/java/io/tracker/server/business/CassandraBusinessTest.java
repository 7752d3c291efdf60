package io.tracker.server.business;

import com.datastax.oss.driver.api.core.cql.SimpleStatement;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tracker.server.Backends;
import io.tracker.server.Tracker;
import java.nio.file.Path;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/** The business endpoints with Cassandra ({@code scripts/cassandra.sh}) as the only session and API backend. */
class CassandraBusinessTest extends BusinessContract {
    @TempDir
    Path dataDir;

    @BeforeEach
    void empty() {
        Backends.truncateCassandra();
    }

    @Override
    protected Tracker start(Consumer<ObjectNode> tweak) throws Exception {
        return io.tracker.server.TestAccess.start(dataDir, c -> {
            ObjectNode session = (ObjectNode) c.get("sessions").get(0);
            session.put("type", "cassandra").put("name", "cassandra");
            session.set("settings", Backends.cassandraSettings());
            adminAndProxy(c);
            tweak.accept(c);
        });
    }

    @Override
    protected long countRows(String table, String column, Object value) {
        return Backends.cql().execute(SimpleStatement.newInstance("SELECT count(*) FROM " + Backends.keyspace() + "." + table
                + " WHERE \"" + column + "\" = ? ALLOW FILTERING", value)).one().getLong(0);
    }
}
