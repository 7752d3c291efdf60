package io.tracker.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.tracker.core.batch.BatchManager;
import io.tracker.core.batch.DataDirLock;
import io.tracker.core.config.TrackerConfig;
import io.tracker.core.model.Tables;
import io.tracker.core.pipeline.EventIds;
import io.tracker.core.pipeline.EventPipeline;
import io.tracker.core.pipeline.Ingest;
import io.tracker.core.session.Session;
import io.tracker.core.session.SessionRegistry;
import io.tracker.server.http.ClientAddress;
import io.tracker.server.http.ConnectionLimiter;
import io.tracker.server.http.Cors;
import io.tracker.server.http.HttpInitializer;
import io.tracker.server.http.HttpRouter;
import io.tracker.server.http.HttpServer;
import io.tracker.server.http.OpsHandler;
import io.tracker.server.http.Rejections;
import io.tracker.server.http.TrackHandler;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The assembled process: sessions → batch manager → pipeline → HTTP. Start and stop in that order and back. */
public final class Tracker implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Tracker.class);

    private final TrackerConfig config;
    private final BatchManager batches;
    private final HttpServer http;
    private final PrometheusMeterRegistry registry;
    private final DataDirLock lock;
    private boolean stopped;

    private Tracker(TrackerConfig config, DataDirLock lock, BatchManager batches, HttpServer http,
                    PrometheusMeterRegistry registry) {
        this.config = config;
        this.lock = lock;
        this.batches = batches;
        this.http = http;
        this.registry = registry;
    }

    /** Opens the sessions (failing fast on a broken one), then binds HTTP. */
    public static Tracker start(TrackerConfig config) throws Exception {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new JvmMemoryMetrics().bindTo(registry);
        new JvmGcMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);

        List<Session> sessions = SessionRegistry.fromClassPath().create(config);
        DataDirLock lock = DataDirLock.acquire(Path.of(config.storage().dataDir()));
        BatchManager batches;
        try {
            batches = new BatchManager(sessions, Tables.ALL, config.batching(), Path.of(config.storage().dataDir()), registry);
        } catch (Exception e) {
            lock.close();
            throw e;
        }
        // Sessions open on their writer threads (DuckDB's native library load is most of start-up)
        // while the rest is assembled; HTTP binds only once every session is open.
        batches.start();
        HttpServer http = null;
        try {
            http = assembleHttp(config, batches, registry);
            http.prepare();
            batches.awaitOpen(Duration.ofSeconds(60));
            http.start();
        } catch (Exception e) {
            if (http != null) {
                http.stop(0, 1_000);
            }
            batches.close(Duration.ofSeconds(config.server().shutdownTimeoutSeconds()));
            lock.close();
            throw e;
        }
        return new Tracker(config, lock, batches, http, registry);
    }

    private static HttpServer assembleHttp(TrackerConfig config, BatchManager batches, PrometheusMeterRegistry registry) {
        ObjectMapper mapper = new ObjectMapper();
        EventPipeline pipeline = EventPipeline.standard(config, mapper, new EventIds(), registry);
        Ingest ingest = new Ingest(mapper, pipeline, batches, config.tracking().maxEventsPerRequest(), registry);
        Rejections rejections = new Rejections(registry);
        ConnectionLimiter limiter = new ConnectionLimiter(config.server().maxConnections());
        ClientAddress address = new ClientAddress(config.server().trustProxyHeaders());
        HttpRouter router = new HttpRouter(
                new TrackHandler(ingest, address, config.tracking(), rejections),
                new OpsHandler(batches, registry, limiter, version()),
                new Cors(config.server().allowOrigin()),
                rejections);
        return new HttpServer(config.server(), new HttpInitializer(config.server(), limiter, router, rejections));
    }

    public int port() {
        return http.port();
    }

    public BatchManager batches() {
        return batches;
    }

    public PrometheusMeterRegistry registry() {
        return registry;
    }

    /**
     * Graceful stop: stop accepting connections; refuse new events (503) while draining every queue into
     * its session (or its spool, for a session that is down) — answers still pending for {@code wal}/{@code sync}
     * events go out as their rows become safe — then close the connections. Every event answered 2xx is
     * stored, or spooled on disk for the next start, when this returns.
     */
    public synchronized void stop() {
        if (stopped) {
            return;
        }
        stopped = true;
        long t0 = System.nanoTime();
        Duration timeout = Duration.ofSeconds(config.server().shutdownTimeoutSeconds());
        http.closeListener();
        batches.close(timeout);
        http.stop(100, timeout.toMillis());
        try {
            lock.close();
        } catch (java.io.IOException e) {
            log.atWarn().setCause(e).log("cannot release the data directory lock");
        }
        log.atInfo().addKeyValue("ms", (System.nanoTime() - t0) / 1_000_000).log("tracker stopped");
    }

    @Override
    public void close() {
        stop();
    }

    static String version() {
        String v = Tracker.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }
}
