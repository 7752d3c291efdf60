import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Load through the cluster's haproxy as a careful client sends it: THREADS threads post events with their own eid
 * (POST /tr/v1/str/) for SECONDS seconds; an event is acknowledged by a 2xx; a failure or timeout is retried with the
 * same eid (through haproxy: possibly another node) until acknowledged. Writes the acknowledged eids to OUT.
 *   java bench/ClusterLoad.java http://127.0.0.1:8080 8 30 /tmp/acked.txt [ename]
 */
public class ClusterLoad {
    public static void main(String[] args) throws Exception {
        String base = args[0];
        int threads = Integer.parseInt(args[1]);
        long seconds = Long.parseLong(args[2]);
        Path out = Path.of(args[3]);
        String ename = args.length > 4 ? args[4] : "cluster_load";
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        Set<String> acked = ConcurrentHashMap.newKeySet();
        AtomicLong retries = new AtomicLong();
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        Thread[] workers = new Thread[threads];
        for (int t = 0; t < threads; t++) {
            workers[t] = new Thread(() -> {
                while (System.nanoTime() < end) {
                    String eid = UUID.randomUUID().toString();
                    String body = "{\"eid\":\"" + eid + "\",\"ename\":\"" + ename + "\",\"etyp\":\"load\"}";
                    for (int attempt = 0; ; attempt++) {
                        try {
                            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/tr/v1/str/"))
                                    .timeout(Duration.ofSeconds(10)).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                                    HttpResponse.BodyHandlers.ofString());
                            if (r.statusCode() / 100 == 2) {
                                acked.add(eid);
                                break;
                            }
                        } catch (Exception e) {
                            // connection refused or reset, timeout: retried below
                        }
                        retries.incrementAndGet();
                        if (attempt > 200) {
                            break; // given up (not acknowledged: not counted)
                        }
                        try {
                            Thread.sleep(Math.min(1_000, 20L << Math.min(attempt, 5)));
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                }
            });
            workers[t].start();
        }
        for (Thread w : workers) {
            w.join();
        }
        Files.write(out, acked);
        System.out.printf("cluster load: %d acknowledged in %d s = %.0f events/s, %d retries%n", acked.size(), seconds,
                acked.size() / (double) seconds, retries.get());
    }
}
