package io.tracker.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Concurrent tracking load for integration tests: threads POST JSON arrays to {@code /tr/v1/tr/} until
 * {@link #stop()} or {@code maxRequests}, counting the events acknowledged (2xx). Anything but 200 or a 503
 * back-pressure answer fails the test.
 */
final class Load {
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final ExecutorService pool;
    private final List<Future<?>> futures = new ArrayList<>();
    private final AtomicBoolean stop = new AtomicBoolean();
    private final AtomicInteger acknowledged = new AtomicInteger();
    private final AtomicInteger refused = new AtomicInteger();

    /** {@code pauseMillis} between requests per thread keeps the offered load below what a drain can catch up with. */
    Load(String base, int threads, int perRequest, int maxRequests, long pauseMillis) {
        this(base, threads, perRequest, maxRequests, pauseMillis, false);
    }

    /**
     * With {@code retryRefused} a request answered 503 is sent again after a pause, as an SDK honouring
     * {@code Retry-After} does (a 503 accepted nothing), until it is acknowledged: all {@code maxRequests} end acknowledged.
     */
    Load(String base, int threads, int perRequest, int maxRequests, long pauseMillis, boolean retryRefused) {
        this.pool = Executors.newFixedThreadPool(threads);
        AtomicInteger sent = new AtomicInteger();
        StringBuilder body = new StringBuilder("[");
        for (int i = 0; i < perRequest; i++) {
            body.append(i == 0 ? "" : ",").append("{\"ename\":\"load\",\"n\":").append(i).append('}');
        }
        String payload = body.append(']').toString();
        for (int t = 0; t < threads; t++) {
            futures.add(pool.submit(() -> {
                while (!stop.get() && sent.incrementAndGet() <= maxRequests) {
                    while (true) {
                        HttpResponse<Void> r = http.send(HttpRequest.newBuilder(URI.create(base + "/tr/v1/tr/"))
                                        .timeout(Duration.ofSeconds(30)).POST(HttpRequest.BodyPublishers.ofString(payload)).build(),
                                HttpResponse.BodyHandlers.discarding());
                        if (r.statusCode() == 200) {
                            acknowledged.addAndGet(perRequest);
                            break;
                        }
                        assertEquals(503, r.statusCode(), "only back-pressure may refuse");
                        refused.incrementAndGet();
                        if (!retryRefused || stop.get()) {
                            break;
                        }
                        Thread.sleep(100);
                    }
                    if (pauseMillis > 0) {
                        Thread.sleep(pauseMillis);
                    }
                }
                return null;
            }));
        }
    }

    /** Requests answered 503 (each retry counted). */
    int refused() {
        return refused.get();
    }

    int acknowledged() {
        return acknowledged.get();
    }

    void stop() {
        stop.set(true);
    }

    /** Waits for every thread (rethrowing its failure); returns the events acknowledged. */
    int await(long timeoutSeconds) throws Exception {
        for (Future<?> f : futures) {
            f.get(timeoutSeconds, TimeUnit.SECONDS);
        }
        pool.shutdown();
        return acknowledged.get();
    }
}
