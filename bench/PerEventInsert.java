import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * One INSERT per event over ClickHouse's HTTP interface (keep-alive), the way a tracker without batching
 * writes: java bench/PerEventInsert.java URL TABLE TSV_FILE MAX_ROWS. Prints rows/s.
 */
public class PerEventInsert {
    public static void main(String[] args) throws Exception {
        String url = args[0];
        String table = args[1];
        List<String> lines = Files.readAllLines(Path.of(args[2]));
        int n = Math.min(lines.size(), Integer.parseInt(args[3]));
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        URI uri = URI.create(url + "/?query=" + URLEncoder.encode("INSERT INTO " + table + " FORMAT TabSeparated", StandardCharsets.UTF_8));
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri)
                    .POST(HttpRequest.BodyPublishers.ofString(lines.get(i) + "\n")).build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                throw new IllegalStateException("insert failed: " + r.body());
            }
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        System.out.printf("%d %.0f%n", n, n / secs);
    }
}
