package io.tracker.server.http;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The route table: every path the tracker answers, declared once with its methods, access, CORS and rate-limit
 * facts and the service behind it. The router takes 404, 405 with {@code Allow}, preflights, rate-limit exemptions and
 * the admin origin check from here; a service only sees requests it declared. Paths are exact, or prefixes that match
 * on a segment boundary ({@code /tr/v1/tr} matches {@code /tr/v1/tr} and {@code /tr/v1/tr/...}, never
 * {@code /tr/v1/trx}); the longest match wins, an exact path beats a prefix.
 */
public final class Routes {
    /** Who may call a route, and so which CORS rules and origin check apply. */
    public enum Access {
        /** Tracking routes: any page, credentialed CORS echo. */
        TRACKING,
        /** Business API anyone may call (consent, GeoIP, an LTV payment); admin-checked when it carries credentials. */
        API,
        /** Admin only (short links, data subjects): {@code admin.allowedOrigins}, never a foreign page. */
        ADMIN,
        /** Admin to read, anyone to POST (LTV: payments come from checkouts, totals are private). */
        ADMIN_UNLESS_POST;

        /** Whether a request with {@code method} (for a preflight: the method it asks for) is an admin request. */
        public boolean admin(String method) {
            return this == ADMIN || (this == ADMIN_UNLESS_POST && !method.equals("POST"));
        }
    }

    /** What a route does with a request it declared: answers it, now or later. */
    @FunctionalInterface
    public interface Service {
        /** {@code rest}: the path after a prefix route's own ("" for exact routes). May throw {@link ApiError}. */
        CompletableFuture<FullHttpResponse> answer(HttpCall call, String rest);
    }

    /** A route that can take the connection over instead of answering (the WebSocket upgrade). */
    public interface Upgrade {
        /** Whether this request asks for the switch and may have it; otherwise the route's service answers it. */
        boolean wants(HttpCall call);

        /** Takes the connection over; the HTTP handlers give way. */
        void takeOver(ChannelHandlerContext ctx, FullHttpRequest request);
    }

    /** A route whose requests arrive in pieces and are relayed as they come (the reverse proxy). */
    public interface Relay {
        /** The request head passed the table's checks: where its body goes. The exchange answers, in order. */
        Body open(StreamedExchange exchange);
    }

    /** The body of a relayed request, piece by piece ({@link io.netty.handler.codec.http.LastHttpContent} ends it). */
    public interface Body {
        /** Takes ownership of {@code content}. */
        void content(io.netty.handler.codec.http.HttpContent content);

        /** The client went away: drop everything. */
        void abort();

        /** Runs once the router routes the body's pieces here (before that, none can arrive). */
        default void start() {
        }
    }

    /**
     * One declared route.
     *
     * @param limited   subject to the per-address rate limit (the ops probes are not)
     * @param cors      answers preflights and gets CORS headers; {@code OPTIONS} is in its {@code Allow}
     * @param exclusive nothing else may live under or above it (the proxy prefix: checked at start)
     * @param streamed  requests are not aggregated (relayed as they arrive): served by a per-connection handler
     * @param plainHttp served over plain HTTP even when TLS is on (probes, ACME challenges); others are redirected
     */
    public record Route(String path, boolean prefix, Set<String> methods, Access access, boolean limited, boolean cors,
                        boolean exclusive, boolean streamed, boolean plainHttp, Service service, Upgrade upgrade,
                        Relay relay) {
        /** The {@code Allow} header: the declared methods, and OPTIONS where preflights are answered. */
        public String allow() {
            Stream<String> all = cors ? Stream.concat(methods.stream(), Stream.of("OPTIONS")) : methods.stream();
            return all.distinct().sorted().collect(Collectors.joining(", "));
        }

        /** The path as people write it ({@code /tr/v1/tr/} for a prefix). */
        public String display() {
            return prefix ? path + "/" : path;
        }

        boolean covers(String p) {
            return p.equals(path) || (prefix && p.startsWith(path) && p.charAt(path.length()) == '/');
        }
    }

    /** A route found for a path, and the rest of the path after a prefix. */
    public record Match(Route route, String rest) {
    }

    private final Map<String, Route> exact;
    private final List<Route> prefixes; // longest first
    private final List<String> reserved;
    private final Service fallback;
    private final List<Route> all;

    private Routes(List<Route> routes, List<String> reserved, Service fallback) {
        this.all = List.copyOf(routes);
        this.reserved = List.copyOf(reserved);
        this.fallback = fallback;
        Map<String, Route> ex = new HashMap<>();
        List<Route> pre = new ArrayList<>();
        for (Route r : routes) {
            if (r.prefix()) {
                if (pre.stream().anyMatch(o -> o.path().equals(r.path()))) {
                    throw new IllegalArgumentException("route " + r.display() + " is declared twice");
                }
                pre.add(r);
            } else if (ex.putIfAbsent(r.path(), r) != null) {
                throw new IllegalArgumentException("route " + r.path() + " is declared twice");
            }
        }
        pre.sort(Comparator.comparingInt((Route r) -> r.path().length()).reversed());
        this.exact = Map.copyOf(ex);
        this.prefixes = List.copyOf(pre);
        for (Route e : routes) {
            if (!e.exclusive()) {
                continue;
            }
            for (Route r : routes) {
                if (r != e && (e.covers(r.path()) || r.covers(e.path()))) {
                    throw new IllegalArgumentException(e.display() + " overlaps the route " + r.display());
                }
            }
            for (String p : reserved) {
                if (e.covers(p) || e.path().equals(p) || e.path().startsWith(p + "/")) {
                    throw new IllegalArgumentException(e.display() + " overlaps the tracker's own " + p + "/");
                }
            }
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The route of {@code path}, or null (then {@link #fallback} may answer a GET). */
    public Match match(String path) {
        Route r = exact.get(path);
        if (r == null && path.length() > 1 && path.endsWith("/")) {
            r = exact.get(path.substring(0, path.length() - 1));
        }
        if (r != null) {
            return new Match(r, "");
        }
        for (Route p : prefixes) {
            if (p.covers(path)) {
                return new Match(p, path.length() == p.path().length() ? "" : path.substring(p.path().length() + 1));
            }
        }
        return null;
    }

    /** The service of GET/HEAD paths no route declares (short links), or null; never under a reserved prefix. */
    public Service fallback(String path) {
        for (String p : reserved) {
            if (path.equals(p) || path.startsWith(p + "/")) {
                return null;
            }
        }
        return fallback;
    }

    /** Whether some route relays {@code path} unaggregated. */
    public boolean streamed(String path) {
        Match m = match(path);
        return m != null && m.route().streamed();
    }

    public List<Route> all() {
        return all;
    }

    /** Collects the routes each route family declares. */
    public static final class Builder {
        private final List<Route> routes = new ArrayList<>();
        private final List<String> reserved = new ArrayList<>();
        private Service fallback;

        /** A route of exactly {@code path} (a trailing slash is the same path). */
        public RouteBuilder exact(String path) {
            return new RouteBuilder(this, path, false);
        }

        /** A route of {@code path} and everything under it. */
        public RouteBuilder prefix(String path) {
            return new RouteBuilder(this, path.endsWith("/") ? path.substring(0, path.length() - 1) : path, true);
        }

        /** Paths under {@code prefix} that no route declares are 404, never the fallback's. */
        public Builder reserve(String prefix) {
            reserved.add(prefix.endsWith("/") ? prefix.substring(0, prefix.length() - 1) : prefix);
            return this;
        }

        /** Answers GET and HEAD of any path no route declares. */
        public Builder fallback(Service service) {
            this.fallback = service;
            return this;
        }

        public Routes build() {
            return new Routes(routes, reserved, fallback);
        }
    }

    /** One route being declared: methods first, then the service ends it. */
    public static final class RouteBuilder {
        private final Builder owner;
        private final String path;
        private final boolean prefix;
        private final Set<String> methods = new LinkedHashSet<>();
        private Access access = Access.TRACKING;
        private boolean limited = true;
        private boolean cors = true;
        private boolean exclusive;
        private boolean streamed;
        private boolean plainHttp;
        private Upgrade upgrade;

        private RouteBuilder(Builder owner, String path, boolean prefix) {
            if (!path.startsWith("/")) {
                throw new IllegalArgumentException("a route path starts with '/': " + path);
            }
            this.owner = owner;
            this.path = path;
            this.prefix = prefix;
        }

        public RouteBuilder methods(String... names) {
            methods.addAll(List.of(names));
            return this;
        }

        public RouteBuilder access(Access a) {
            this.access = a;
            return this;
        }

        /** Not rate-limited (load-balancer probes, metrics scrapes). */
        public RouteBuilder unlimited() {
            this.limited = false;
            return this;
        }

        /** No CORS: OPTIONS is a 405 like any undeclared method. */
        public RouteBuilder noCors() {
            this.cors = false;
            return this;
        }

        public RouteBuilder exclusive() {
            this.exclusive = true;
            return this;
        }

        public RouteBuilder streamed() {
            this.streamed = true;
            return this;
        }

        /** Answered on the plain listener too when TLS is on (no redirect to https). */
        public RouteBuilder plainHttp() {
            this.plainHttp = true;
            return this;
        }

        public RouteBuilder upgrade(Upgrade u) {
            this.upgrade = u;
            return this;
        }

        public Builder to(Service service) {
            if (methods.isEmpty()) {
                throw new IllegalArgumentException("route " + path + " declares no method");
            }
            owner.routes.add(new Route(path, prefix, Set.copyOf(methods), access, limited, cors, exclusive, streamed,
                    plainHttp, service, upgrade, null));
            return owner;
        }

        /** Ends a streamed route: its requests are relayed by {@code relay}, never aggregated. */
        public Builder relay(Relay relay) {
            if (methods.isEmpty()) {
                throw new IllegalArgumentException("route " + path + " declares no method");
            }
            owner.routes.add(new Route(path, prefix, Set.copyOf(methods), access, limited, cors, exclusive, true,
                    plainHttp, null, upgrade, relay));
            return owner;
        }
    }
}
