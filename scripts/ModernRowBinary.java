import com.clickhouse.client.api.metadata.TableSchema;
import com.clickhouse.data.ClickHouseColumn;
import io.tracker.backends.clickhouse.ClickHouseSession;
import io.tracker.core.model.Row;
import io.tracker.core.model.RowBuilder;
import io.tracker.core.model.Tables;
import java.io.FileOutputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Writes 1,000 event rows as RowBinary with the ClickHouse session's encoder, for column types given as
 * "name\ttype" lines (what a current server reports for the modern schema):
 * java -cp tracker.jar scripts/ModernRowBinary.java TYPES_TSV OUT.bin
 */
public class ModernRowBinary {
    public static void main(String[] args) throws Exception {
        List<ClickHouseColumn> columns = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of(args[0]))) {
            String[] p = line.split("\t");
            if (p.length == 2) {
                columns.add(ClickHouseColumn.of(p[0], p[1]));
            }
        }
        TableSchema schema = new TableSchema("events", "", "tracker", columns);
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            rows.add(new RowBuilder(Tables.EVENTS).eid(new UUID(0x01a2000000007000L + i, 0x8000000000000000L | i))
                    .set("vid", UUID.fromString("0190c8a4-5d2b-7c3e-9f00-5a1b2c3d4e5f")).set("ename", "e" + (i % 10))
                    .set("org", "Acme").set("country", "NZ").set("cflags", 1024L).set("ver", 7).set("score", 0.5)
                    .set("created_at", 1_700_000_000_123L + i).set("params", "{\"plan\":\"pro\",\"seats\":" + i + "}")
                    .build());
        }
        try (OutputStream out = new FileOutputStream(args[1])) {
            ClickHouseSession.encode(out, Tables.EVENTS, schema, rows);
        }
    }
}
