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
import io.tracker.server.http.LinkRoutes;
import io.tracker.server.http.LtvRoutes;
import io.tracker.server.http.PrivacyRoutes;
import io.tracker.server.http.Routes;
import io.tracker.server.http.ClientAddress;
import io.tracker.server.http.RateLimiter;
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

    private final Runnable onStop;

    private final java.util.List<io.tracker.server.consume.MessageConsumer> consumers;

    private Tracker(TrackerConfig config, DataDirLock lock, BatchManager batches, HttpServer http,
                    PrometheusMeterRegistry registry, Runnable onStop,
                    java.util.List<io.tracker.server.consume.MessageConsumer> consumers) {
        this.consumers = consumers;
        this.onStop = onStop;
        this.config = config;
        this.lock = lock;
        this.batches = batches;
        this.http = http;
        this.registry = registry;
    }

    /**
     * Binds HTTP at once and opens the sessions in the background: one that is down makes the tracker start degraded
     * (spooling, not ready); one that cannot work (bad credentials, drifted schema) makes the start fail.
     */
    public static Tracker start(TrackerConfig config) throws Exception {
        return start(config, java.time.Clock.systemUTC());
    }

    /** As {@link #start(TrackerConfig)}, with events stamped and "today" judged by {@code clock} (tests move it). */
    public static Tracker start(TrackerConfig config, java.time.Clock clock) throws Exception {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new JvmMemoryMetrics().bindTo(registry);
        new JvmGcMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);

        List<Session> sessions = SessionRegistry.fromClassPath().create(config);
        DataDirLock lock = DataDirLock.acquire(Path.of(config.storage().dataDir()));
        io.tracker.core.privacy.Secrets secrets;
        try {
            secrets = io.tracker.core.privacy.Secrets.load(Path.of(config.storage().dataDir()));
        } catch (Exception e) {
            lock.close();
            throw e;
        }
        if (config.privacy().hashSalt().isEmpty()) {
            // Never an unsalted hash of an e-mail address: the data directory's secret salts it, and keeps doing so.
            config = config.withPrivacy(config.privacy().withHashSalt(secrets.piiSalt()));
        }
        io.tracker.core.business.LinkSigner signer = new io.tracker.core.business.LinkSigner(secrets.linkKey());
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
        java.util.List<AutoCloseable> extras = new java.util.ArrayList<>();
        java.util.List<io.tracker.server.consume.MessageConsumer> consumers = new java.util.ArrayList<>();
        // One per process: in hash mode its daily salt must be shared by events, consent rows and consumed logs.
        io.tracker.core.privacy.IpAnonymizer ips = new io.tracker.core.privacy.IpAnonymizer(config.privacy().ipMode());
        Runnable onStop = () -> extras.forEach(c -> {
            try {
                c.close();
            } catch (Exception e) {
                log.atWarn().setCause(e).log("close failed");
            }
        });
        try {
            java.util.List<Runnable> afterStart = new java.util.ArrayList<>();
            http = assembleHttp(config, batches, registry, extras, ips, signer, afterStart, secrets.clusterKey(),
                    new io.tracker.core.privacy.UserIds(secrets.userIdKey()), clock);
            http.prepare();
            http.start(); // whatever the backends' state: a collector with a WAL and a spool accepts while they are away
            afterStart.forEach(Runnable::run);
            batches.awaitStartup(Duration.ofSeconds(config.server().startupWaitSeconds()));
            io.tracker.core.business.ConsumedMessages consumed = new io.tracker.core.business.ConsumedMessages(new EventIds(), ips);
            for (io.tracker.core.config.ConsumerConfig cc : config.consumers()) {
                consumers.add(io.tracker.server.consume.MessageConsumer.start(cc, batches, consumed, registry));
            }
        } catch (Exception e) {
            consumers.forEach(io.tracker.server.consume.MessageConsumer::close);
            if (http != null) {
                http.stop(0, 1_000);
            }
            batches.close(Duration.ofSeconds(config.server().shutdownTimeoutSeconds()));
            onStop.run();
            lock.close();
            throw e;
        }
        return new Tracker(config, lock, batches, http, registry, onStop, consumers);
    }

    private static HttpServer assembleHttp(TrackerConfig config, BatchManager batches, PrometheusMeterRegistry registry,
                                           java.util.List<AutoCloseable> extras,
                                           io.tracker.core.privacy.IpAnonymizer ips,
                                           io.tracker.core.business.LinkSigner signer,
                                           java.util.List<Runnable> afterStart, byte[] clusterKey,
                                           io.tracker.core.privacy.UserIds userIds, java.time.Clock clock)
            throws java.io.IOException {
        ObjectMapper mapper = new ObjectMapper();
        EventIds ids = new EventIds();
        io.tracker.core.enrich.GeoIp geoip = io.tracker.core.enrich.GeoIp.open(config.geoip().path()).orElse(null);
        if (geoip != null) {
            extras.add(geoip);
            log.atInfo().addKeyValue("path", config.geoip().path()).addKeyValue("version", geoip.databaseVersion())
                    .log("geoip open");
        }
        io.tracker.core.enrich.Enrichment enrichment = io.tracker.core.enrich.Enrichment.load(config, mapper);
        if (enrichment.agents() != null) {
            io.micrometer.core.instrument.FunctionCounter.builder("tracker.enrich.agents.unparsed", enrichment.agents(),
                            io.tracker.core.enrich.UserAgents::skipped)
                    .description("events whose new User-Agent was not parsed: enrich.userAgent.maxParsesPerSecond spent")
                    .register(registry);
        }
        EventPipeline pipeline = EventPipeline.standard(config, mapper, ids, registry, geoip, ips, enrichment)
                .withClock(clock::millis);
        AlertService alerts = null;
        if (config.alerts().enabled()) {
            alerts = new AlertService(config, batches, ids, registry);
            extras.add(alerts);
        }
        Ingest ingest = new Ingest(mapper, pipeline, batches, config.tracking().maxEventsPerRequest(), registry,
                alerts == null ? null : alerts.detector());
        Rejections rejections = new Rejections(registry);
        ConnectionLimiter limiter = new ConnectionLimiter(config.server().maxConnections());
        ClientAddress address = new ClientAddress(config.server().trustProxyHeaders(), config.server().trustedProxies(),
                config.server().clientIpHeader());
        TrackHandler track = new TrackHandler(ingest, address, config.tracking(), config.links(), signer, rejections);
        ApiReader api = ApiReader.choose(batches.sessions(), config.storage().apiSession());
        java.util.List<io.tracker.core.session.SessionReader> readers = batches.sessions().stream()
                .filter(s -> s == api.session() || s.readable()) // write-only sessions (NATS) have nothing to erase
                .map(s -> (io.tracker.core.session.SessionReader) (s == api.session() ? api : new ApiReader(s))).toList();
        java.util.concurrent.ThreadPoolExecutor pool = new java.util.concurrent.ThreadPoolExecutor(
                API_THREADS, API_THREADS, 60, java.util.concurrent.TimeUnit.SECONDS,
                new java.util.concurrent.ArrayBlockingQueue<>(API_QUEUE), r -> {
                    Thread t = new Thread(r, "api");
                    t.setDaemon(true);
                    return t;
                });
        extras.add(pool::shutdown);
        byte[] jurisdictions = io.tracker.core.session.SchemaFiles.read("schema/jurisdictions.json")
                .getBytes(java.nio.charset.StandardCharsets.UTF_8);
        io.tracker.core.business.ApiKeys keys = new io.tracker.core.business.ApiKeys(config.api(), api, batches, ids);
        track.withKeys(keys, pool);
        io.tracker.server.http.ApiSupport support = new io.tracker.server.http.ApiSupport(pool,
                new io.tracker.core.business.AdminAuth(config.admin()), address, rejections, keys);
        io.tracker.server.files.StaticFiles statics = new io.tracker.server.files.StaticFiles(config.staticFiles(),
                Path.of(config.storage().dataDir()), rejections);
        extras.add(statics::close);
        io.tracker.server.ws.WebSocketTracker websocket = new io.tracker.server.ws.WebSocketTracker(ingest, address,
                config.websocket(), config.tracking(), config.privacy().defaultConsent(), rejections, registry);
        // The route table: every path, its methods and its service, declared by the family that serves it.
        Routes.Builder table = Routes.builder().reserve("/tr/v1").reserve(config.api().base());
        io.tracker.server.tls.TlsContext tls = null;
        if (config.tls().enabled()) {
            tls = io.tracker.server.tls.TlsContext.open(config.tls(), config.tls().acme().enabled());
            extras.add(tls);
            if (config.tls().acme().enabled()) {
                io.tracker.server.tls.AcmeManager acme = new io.tracker.server.tls.AcmeManager(config.tls(), tls);
                acme.register(table);
                extras.add(acme);
                afterStart.add(acme::start); // the CA connects back: once the listeners are up
            }
        }
        new OpsHandler(batches, registry, limiter, version()).register(table);
        track.register(table);
        websocket.register(table);
        statics.register(table, track);
        io.tracker.server.files.Bundled snippet = io.tracker.server.files.Bundled.of(
                io.tracker.server.files.Bundled.resource("snippet/tracker.min.js"), "text/javascript; charset=utf-8",
                config.staticFiles().cacheControl(), null);
        snippet.register(table, "/tr/v1/pub/tracker.js", true);
        config.staticFiles().scriptAliases().forEach(alias -> snippet.register(table, alias, true));
        config.staticFiles().eventAliases().forEach(alias -> track.registerAlias(table, alias));
        bundle(table, "/docs/openapi.json", "docs/openapi.json", "application/json", null, true);
        bundle(table, "/docs", "docs/index.html", "text/html; charset=utf-8", PAGE_CSP, false);
        bundle(table, "/docs/docs.js", "docs/docs.js", "text/javascript; charset=utf-8", null, false);
        // the dashboard: its page names the query API's prefix (api.prefix), its assets are the same everywhere
        String dashPage = new String(io.tracker.server.files.Bundled.resource("dash/index.html"),
                java.nio.charset.StandardCharsets.UTF_8).replace("__API_BASE__", htmlAttribute(config.api().base()))
                .replace("__PAGEVIEWS__", htmlAttribute(String.join(",", config.api().pageviewNames())));
        io.tracker.server.files.Bundled.of(dashPage.getBytes(java.nio.charset.StandardCharsets.UTF_8),
                "text/html; charset=utf-8", "no-cache", PAGE_CSP).register(table, "/dash", false);
        bundle(table, "/dash/dash.js", "dash/dash.js", "text/javascript; charset=utf-8", null, false);
        bundle(table, "/dash/dash.css", "dash/dash.css", "text/css; charset=utf-8", null, false);
        new LtvRoutes(support, batches, api, new io.tracker.core.business.Ltv(ids), config.ltv().requireKey())
                .register(table);
        new io.tracker.server.http.api.KeyRoutes(support, keys).register(table);
        io.tracker.server.http.api.QueryLimits queries = new io.tracker.server.http.api.QueryLimits(api::analytics,
                Duration.ofSeconds(config.api().queryTimeoutSeconds()), config.api().maxConcurrentQueries());
        new io.tracker.server.http.api.QueryRoutes(support, queries, config.api(), userIds, clock).register(table);
        io.tracker.core.business.CampaignStats campaigns = new io.tracker.core.business.CampaignStats(queries::get, clock,
                !config.cluster().enabled()); // a node sees only its own traffic: in a cluster, today is the store's
        ingest.onAccepted(campaigns::accepted);
        new io.tracker.server.http.api.CampaignRoutes(support, track, userIds, campaigns, config.api().base(), clock)
                .register(table);
        new io.tracker.server.http.api.EventApiRoutes(support, track, userIds, config.api().base(),
                config.tracking().maxEventsPerRequest()).register(table);
        new io.tracker.server.http.api.SegmentRoutes(support, track, userIds, config.api().segment(),
                config.tracking().maxEventsPerRequest(), clock::millis).register(table);
        io.tracker.core.business.ShortLinks links = new io.tracker.core.business.ShortLinks(api, batches, config.links(), ids);
        new LinkRoutes(support, links, signer, track).register(table);
        io.tracker.server.cluster.ClusterBus bus = null;
        if (config.cluster().enabled()) {
            bus = io.tracker.server.cluster.ClusterBus.start(config.cluster(), links, batches, clusterKey);
            bus.carryKeyRevocations(keys);
            extras.add(bus);
        }
        io.tracker.server.cluster.ClusterBus clusterBus = bus;
        new PrivacyRoutes(support, batches, api, new io.tracker.core.business.Consents(ids, ips, geoip),
                new io.tracker.core.business.DataSubjects(api, readers), geoip, jurisdictions,
                config.server().shutdownTimeoutSeconds() * 1000L,
                id -> { if (clusterBus != null) { clusterBus.forget(id); } }).register(table);
        if (config.proxy().enabled()) {
            io.tracker.server.proxy.ReverseProxy proxy = new io.tracker.server.proxy.ReverseProxy(config.proxy(), address, track);
            proxy.register(table);
            extras.add(proxy);
        }
        Routes routes;
        try {
            routes = table.build();
        } catch (IllegalArgumentException e) {
            throw new io.tracker.core.config.ConfigException("proxy.prefix: " + e.getMessage());
        }
        HttpRouter router = new HttpRouter(routes, new RateLimiter(config.rateLimit().perNode(config.cluster().nodes()), registry), address,
                new Cors(config.server().allowOrigin(), config.admin().allowedOrigins(),
                        java.util.Set.of("POST " + config.api().base() + "/v1/query", "GET /tr/v1/rpi/keys")), rejections);
        HttpInitializer plain = new HttpInitializer(config.server(), limiter, router, rejections,
                config.websocket().maxFrameBytes());
        if (tls == null) {
            return new HttpServer(config.server(), plain);
        }
        java.util.concurrent.atomic.AtomicReference<HttpServer> server = new java.util.concurrent.atomic.AtomicReference<>();
        io.tracker.server.tls.TlsContext context = tls;
        router.withTls(() -> config.tls().redirectPort() > 0 ? config.tls().redirectPort()
                        : config.tls().port() > 0 ? config.tls().port() : server.get().tlsPort(),
                () -> context.current() != null, config.tls().redirectHttp(), config.tls().hstsSeconds(),
                config.tls().hstsIncludeSubdomains());
        server.set(new HttpServer(config.server(), plain, plain.withTls(tls::current), config.tls().port()));
        return server.get();
    }

    /** The tracker's own pages (docs, dashboard): their scripts and styles come from the tracker, nothing else. */
    private static final String PAGE_CSP = "default-src 'self'; img-src 'self' data:; style-src 'self';"
            + " script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

    /** The jar's {@code resource} at {@code path}, revalidated by ETag on every use ({@code no-cache}). */
    private static void bundle(Routes.Builder table, String path, String resource, String type, String csp, boolean cors) {
        io.tracker.server.files.Bundled.of(io.tracker.server.files.Bundled.resource(resource), type, "no-cache", csp)
                .register(table, path, cors);
    }

    private static String htmlAttribute(String s) {
        return s.replace("&", "&amp;").replace("\"", "&quot;").replace("<", "&lt;").replace(">", "&gt;")
                .replace("'", "&#39;");
    }

    /** Threads and queue of the pool that runs business-API reads and writes (never an event loop). */
    private static final int API_THREADS = 4;
    private static final int API_QUEUE = 1_000;

    public int port() {
        return http.port();
    }

    /** The bound HTTPS port, or -1 without TLS. */
    public int tlsPort() {
        return http.tlsPort();
    }

    /** The route table (every path served, with its methods): what the OpenAPI document must describe. */
    public io.tracker.server.http.Routes routes() {
        return http.routes();
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
        consumers.forEach(io.tracker.server.consume.MessageConsumer::close); // no new rows from NATS or Kafka while draining
        batches.close(timeout);
        http.stop(100, timeout.toMillis());
        onStop.run();
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
