import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.tracker.backends.clickhouse.ClickHouseSessionProvider;
import io.tracker.core.config.SessionConfig;
import io.tracker.core.model.Row;
import io.tracker.core.model.RowBuilder;
import io.tracker.core.model.Tables;
import io.tracker.core.session.Session;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * The ClickHouse session alone (no HTTP): ROWS realistic event rows in batches of 10,000, as the batch manager
 * hands them over. java -cp tracker.jar bench/SessionWrite.java URL DATABASE ROWS. Prints rows/s.
 */
public class SessionWrite {
    public static void main(String[] args) throws Exception {
        var settings = JsonNodeFactory.instance.objectNode().put("url", args[0]).put("database", args[1]);
        Session s = new ClickHouseSessionProvider().create(new SessionConfig("clickhouse", "bench", settings), "bench", Path.of("."));
        s.open(Tables.ALL);
        int total = Integer.parseInt(args[2]);
        List<List<Row>> batches = new ArrayList<>();
        long now = System.currentTimeMillis();
        for (int b = 0; b < total / 10_000; b++) {
            List<Row> rows = new ArrayList<>(10_000);
            for (int i = 0; i < 10_000; i++) {
                rows.add(new RowBuilder(Tables.EVENTS).eid(UUID.randomUUID()).set("vid", UUID.randomUUID())
                        .set("sid", UUID.randomUUID()).set("ename", "bench_post").set("etyp", "page")
                        .set("url", "shop.example.com/cart").set("hhash", "d4md6").set("iphash", "2eauxqsti0h26dc3qe1mfglks")
                        .set("tz", "america/los_angeles").set("culture", "en-us").set("vp_w", 1280L).set("vp_h", 720L)
                        .set("params", "{\"plan\":\"pro\",\"seats\":3}").set("created_at", now + i).build());
            }
            batches.add(rows);
        }
        long t0 = System.nanoTime();
        for (List<Row> b : batches) {
            s.write(Tables.EVENTS, b);
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        s.close();
        System.out.printf("%d %.0f%n", batches.size() * 10_000, batches.size() * 10_000 / secs);
    }
}
