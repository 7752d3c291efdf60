import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tracker.core.config.SessionConfig;
import io.tracker.core.model.Row;
import io.tracker.core.model.RowBuilder;
import io.tracker.core.model.Tables;
import io.tracker.core.session.Session;
import io.tracker.core.session.SessionProvider;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;
import java.util.UUID;

/**
 * One session alone (no HTTP, no batch manager): ROWS realistic event rows in batches of BATCH (default 10,000), as
 * the batch manager hands them over, written one batch after another. Prints "rows rows/s".
 *
 *   java -cp tracker.jar bench/SessionWrite.java TYPE 'SETTINGS_JSON' ROWS [BATCH]
 *   e.g. clickhouse '{"url":"http://127.0.0.1:8123","database":"bench"}' 500000
 */
public class SessionWrite {
    public static void main(String[] args) throws Exception {
        ObjectNode settings = (ObjectNode) new ObjectMapper().readTree(args[1]);
        SessionProvider provider = ServiceLoader.load(SessionProvider.class).stream().map(ServiceLoader.Provider::get)
                .filter(p -> p.type().equals(args[0])).findFirst().orElseThrow(() -> new IllegalArgumentException("no session type " + args[0]));
        Path dir = Path.of(System.getProperty("java.io.tmpdir"), "tracker-sessionwrite-" + ProcessHandle.current().pid());
        Session s = provider.create(new SessionConfig(args[0], "bench", settings), "bench", dir);
        long opening = System.nanoTime();
        s.open(Tables.ALL);
        System.err.printf("open took %d ms%n", (System.nanoTime() - opening) / 1_000_000); // (Kafka: the id read-back)
        int total = Integer.parseInt(args[2]);
        int batch = args.length > 3 ? Integer.parseInt(args[3]) : 10_000;
        List<List<Row>> batches = new ArrayList<>();
        long now = System.currentTimeMillis();
        for (int b = 0; b < total / batch; b++) {
            List<Row> rows = new ArrayList<>(batch);
            for (int i = 0; i < batch; i++) {
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
        System.out.printf("%d %.0f%n", batches.size() * batch, batches.size() * batch / secs);
    }
}
