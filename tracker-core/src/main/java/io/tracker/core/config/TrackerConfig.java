package io.tracker.core.config;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** The whole configuration: typed, immutable, validated once at start-up by {@link ConfigLoader}. */
public record TrackerConfig(
        ServerConfig server,
        TrackingConfig tracking,
        PrivacyConfig privacy,
        StorageConfig storage,
        BatchConfig batching,
        List<SessionConfig> sessions,
        AdminConfig admin,
        LinksConfig links,
        GeoIpConfig geoip,
        RateLimitConfig rateLimit,
        List<ConsumerConfig> consumers,
        LtvConfig ltv,
        WebSocketConfig websocket,
        @com.fasterxml.jackson.annotation.JsonProperty("static") StaticConfig staticFiles,
        TlsConfig tls,
        ProxyConfig proxy,
        ClusterConfig cluster,
        EnrichConfig enrich,
        AlertsConfig alerts,
        ApiConfig api) {

    public TrackerConfig {
        sessions = sessions == null ? List.of() : List.copyOf(sessions);
        admin = admin == null ? AdminConfig.standard() : admin;
        links = links == null ? LinksConfig.standard() : links;
        geoip = geoip == null ? GeoIpConfig.standard() : geoip;
        rateLimit = rateLimit == null ? RateLimitConfig.standard() : rateLimit;
        consumers = consumers == null ? List.of() : List.copyOf(consumers);
        ltv = ltv == null ? LtvConfig.standard() : ltv;
        websocket = websocket == null ? WebSocketConfig.standard() : websocket;
        staticFiles = staticFiles == null ? StaticConfig.standard() : staticFiles;
        tls = tls == null ? TlsConfig.standard() : tls;
        proxy = proxy == null ? ProxyConfig.standard() : proxy;
        cluster = cluster == null ? ClusterConfig.standard() : cluster;
        enrich = enrich == null ? EnrichConfig.standard() : enrich;
        alerts = alerts == null ? AlertsConfig.standard() : alerts;
        api = api == null ? ApiConfig.standard() : api;
    }

    /** Built-in defaults: DuckDB embedded, HTTP on 8080. {@code config.json} at the root repeats them. */
    public static TrackerConfig standard() {
        return new TrackerConfig(ServerConfig.standard(), TrackingConfig.standard(), PrivacyConfig.standard(),
                StorageConfig.standard(), BatchConfig.standard(),
                List.of(new SessionConfig("duckdb", "duckdb", null)), AdminConfig.standard(), LinksConfig.standard(),
                GeoIpConfig.standard(), RateLimitConfig.standard(), List.of(), LtvConfig.standard(),
                WebSocketConfig.standard(), StaticConfig.standard(), TlsConfig.standard(), ProxyConfig.standard(),
                ClusterConfig.standard(), EnrichConfig.standard(), AlertsConfig.standard(), ApiConfig.standard());
    }

    public TrackerConfig withServer(ServerConfig s) {
        return new TrackerConfig(s, tracking, privacy, storage, batching, sessions, admin, links, geoip, rateLimit, consumers, ltv, websocket, staticFiles, tls, proxy, cluster, enrich, alerts, api);
    }

    public TrackerConfig withStorage(StorageConfig s) {
        return new TrackerConfig(server, tracking, privacy, s, batching, sessions, admin, links, geoip, rateLimit, consumers, ltv, websocket, staticFiles, tls, proxy, cluster, enrich, alerts, api);
    }

    public TrackerConfig withBatching(BatchConfig b) {
        return new TrackerConfig(server, tracking, privacy, storage, b, sessions, admin, links, geoip, rateLimit, consumers, ltv, websocket, staticFiles, tls, proxy, cluster, enrich, alerts, api);
    }

    public TrackerConfig withPrivacy(PrivacyConfig p) {
        return new TrackerConfig(server, tracking, p, storage, batching, sessions, admin, links, geoip, rateLimit, consumers, ltv, websocket, staticFiles, tls, proxy, cluster, enrich, alerts, api);
    }

    public TrackerConfig withAdmin(AdminConfig a) {
        return new TrackerConfig(server, tracking, privacy, storage, batching, sessions, a, links, geoip, rateLimit, consumers, ltv, websocket, staticFiles, tls, proxy, cluster, enrich, alerts, api);
    }

    public TrackerConfig withLinks(LinksConfig l) {
        return new TrackerConfig(server, tracking, privacy, storage, batching, sessions, admin, l, geoip, rateLimit, consumers, ltv, websocket, staticFiles, tls, proxy, cluster, enrich, alerts, api);
    }

    public TrackerConfig withGeoip(GeoIpConfig g) {
        return new TrackerConfig(server, tracking, privacy, storage, batching, sessions, admin, links, g, rateLimit, consumers, ltv, websocket, staticFiles, tls, proxy, cluster, enrich, alerts, api);
    }

    public TrackerConfig withRateLimit(RateLimitConfig r) {
        return new TrackerConfig(server, tracking, privacy, storage, batching, sessions, admin, links, geoip, r, consumers, ltv, websocket, staticFiles, tls, proxy, cluster, enrich, alerts, api);
    }

    public TrackerConfig withSessions(List<SessionConfig> s) {
        return new TrackerConfig(server, tracking, privacy, storage, batching, s, admin, links, geoip, rateLimit, consumers, ltv, websocket, staticFiles, tls, proxy, cluster, enrich, alerts, api);
    }

    public TrackerConfig withTls(TlsConfig t) {
        return new TrackerConfig(server, tracking, privacy, storage, batching, sessions, admin, links, geoip, rateLimit, consumers, ltv, websocket, staticFiles, t, proxy, cluster, enrich, alerts, api);
    }

    public TrackerConfig withProxy(ProxyConfig p) {
        return new TrackerConfig(server, tracking, privacy, storage, batching, sessions, admin, links, geoip, rateLimit, consumers, ltv, websocket, staticFiles, tls, p, cluster, enrich, alerts, api);
    }

    public TrackerConfig withEnrich(EnrichConfig e) {
        return new TrackerConfig(server, tracking, privacy, storage, batching, sessions, admin, links, geoip, rateLimit, consumers, ltv, websocket, staticFiles, tls, proxy, cluster, e, alerts, api);
    }

    public TrackerConfig withAlerts(AlertsConfig a) {
        return new TrackerConfig(server, tracking, privacy, storage, batching, sessions, admin, links, geoip, rateLimit, consumers, ltv, websocket, staticFiles, tls, proxy, cluster, enrich, a, api);
    }

    public TrackerConfig withApi(ApiConfig a) {
        return new TrackerConfig(server, tracking, privacy, storage, batching, sessions, admin, links, geoip, rateLimit, consumers, ltv, websocket, staticFiles, tls, proxy, cluster, enrich, alerts, a);
    }

    void validate(Validation v) {
        if (v.notNull("server", server)) {
            server.validate(v);
        }
        if (v.notNull("tracking", tracking)) {
            tracking.validate(v);
        }
        if (v.notNull("privacy", privacy)) {
            privacy.validate(v);
        }
        if (v.notNull("storage", storage)) {
            storage.validate(v);
        }
        if (v.notNull("batching", batching)) {
            batching.validate(v);
        }
        admin.validate(v);
        links.validate(v);
        geoip.validate(v);
        rateLimit.validate(v);
        websocket.validate(v);
        staticFiles.validate(v);
        tls.validate(v);
        proxy.validate(v);
        cluster.validate(v);
        enrich.validate(v);
        alerts.validate(v);
        api.validate(v);
        if (proxy.enabled() && api.prefix() != null && proxy.prefix() != null) {
            String a = api.base() + "/";
            String p = proxy.prefix().endsWith("/") ? proxy.prefix() : proxy.prefix() + "/";
            if (a.startsWith(p) || p.startsWith(a)) {
                v.fail("proxy.prefix", "'" + proxy.prefix() + "' overlaps api.prefix '" + api.prefix()
                        + "': the proxy would take the API's requests, or the API the proxy's");
            }
        }
        if (api.segment() != null && api.segment().enabled() && api.segment().prefix() != null && api.prefix() != null) {
            String s = api.segment().base() + "/";
            if (s.startsWith(api.base() + "/") || (api.base() + "/").startsWith(s)) {
                v.fail("api.segment.prefix", "'" + api.segment().prefix() + "' overlaps api.prefix '" + api.prefix() + "'");
            }
            String p = proxy.prefix() == null ? null : proxy.prefix().endsWith("/") ? proxy.prefix() : proxy.prefix() + "/";
            if (proxy.enabled() && p != null && (s.startsWith(p) || p.startsWith(s))) {
                v.fail("api.segment.prefix", "'" + api.segment().prefix() + "' overlaps proxy.prefix '" + proxy.prefix() + "'");
            }
        }
        for (int i = 0; i < consumers.size(); i++) {
            if (v.notNull("consumers[" + i + "]", consumers.get(i))) {
                consumers.get(i).validate("consumers[" + i + "]", v);
                selfConsumption(i, v);
            }
        }
        if (sessions.isEmpty()) {
            v.fail("sessions", "at least one session is required");
        }
        Set<String> names = new HashSet<>();
        for (int i = 0; i < sessions.size(); i++) {
            SessionConfig s = sessions.get(i);
            String key = "sessions[" + i + "]";
            if (!v.notNull(key, s)) {
                continue;
            }
            v.notBlank(key + ".type", s.type());
            v.notBlank(key + ".name", s.name());
            if (s.name() != null && !names.add(s.name())) {
                v.fail(key + ".name", "duplicate session name '" + s.name() + "'");
            }
        }
    }

    /**
     * A Kafka consumer reading a topic this tracker's own Kafka session writes ({@code <topicPrefix><table>}) would
     * store every row again and publish it again, forever.
     */
    private void selfConsumption(int i, Validation v) {
        ConsumerConfig c = consumers.get(i);
        if (!"kafka".equals(c.type()) || sessions == null) {
            return;
        }
        for (SessionConfig s : sessions) {
            if (s == null || !"kafka".equals(s.type())) {
                continue;
            }
            String prefix = s.settings() != null && s.settings().path("topicPrefix").isTextual()
                    ? s.settings().get("topicPrefix").asText() : "tracker.";
            for (String topic : c.topics()) {
                if (topic != null && topic.startsWith(prefix)
                        && io.tracker.core.model.Tables.ALL.stream().anyMatch(t -> topic.equals(prefix + t.name()))) {
                    v.fail("consumers[" + i + "].topics", "'" + topic + "' is written by this tracker's own session '"
                            + s.name() + "': consuming it would store and publish every row again, forever");
                }
            }
        }
    }
}
