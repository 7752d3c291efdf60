package io.tracker.server.proxy;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.pool.AbstractChannelPoolHandler;
import io.netty.channel.pool.AbstractChannelPoolMap;
import io.netty.channel.pool.ChannelHealthChecker;
import io.netty.channel.pool.ChannelPoolMap;
import io.netty.channel.pool.FixedChannelPool;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.timeout.IdleStateHandler;
import io.tracker.core.config.ProxyConfig;
import io.tracker.server.http.ClientAddress;
import io.tracker.server.http.Routes;
import io.tracker.server.http.StreamedExchange;
import io.tracker.server.http.TrackHandler;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * The reverse proxy {@code proxy.prefix} → {@code proxy.url} (spec §2.12): requests and answers stream through as they
 * arrive, paced by the slower side (one piece read per piece written, as Netty's proxy example does), over pooled
 * upstream connections that live on the client connection's event loop. The upstream is fixed by configuration: this
 * is never an open proxy. A proxied path the track filter does not match is also recorded as a server-side event.
 */
public final class ReverseProxy implements Routes.Relay, AutoCloseable {
    final ProxyConfig config;
    final String upstreamAuthority;
    final ClientAddress address;
    final TrackHandler track;
    final Pattern filter;
    private final ChannelPoolMap<EventLoop, FixedChannelPool> pools;
    private final java.util.List<FixedChannelPool> opened = new java.util.concurrent.CopyOnWriteArrayList<>();

    public ReverseProxy(ProxyConfig config, ClientAddress address, TrackHandler track) {
        this.config = config;
        this.address = address;
        this.track = track;
        this.filter = config.trackFilter().isEmpty() ? null : Pattern.compile(config.trackFilter());
        URI u = URI.create(config.url());
        int port = u.getPort() > 0 ? u.getPort() : 80;
        this.upstreamAuthority = u.getHost() + (port == 80 ? "" : ":" + port);
        InetSocketAddress target = InetSocketAddress.createUnresolved(u.getHost(), port);
        this.pools = new AbstractChannelPoolMap<>() {
            @Override
            protected FixedChannelPool newPool(EventLoop loop) {
                Bootstrap b = new Bootstrap().group(loop)
                        .channel(Epoll.isAvailable() ? EpollSocketChannel.class : NioSocketChannel.class)
                        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, config.connectTimeoutMillis())
                        .option(ChannelOption.TCP_NODELAY, true)
                        .option(ChannelOption.AUTO_READ, false) // an exchange pulls the answer piece by piece
                        .remoteAddress(target);
                FixedChannelPool pool = new FixedChannelPool(b, new AbstractChannelPoolHandler() {
                    @Override
                    public void channelCreated(Channel ch) {
                        // Nothing read or written for the timeout: a slow upload keeps writing, so only an upstream
                        // that sits on a request (or a client that takes no piece of the answer) trips it.
                        ch.pipeline().addLast("idle", new IdleStateHandler(0, 0, config.responseTimeoutSeconds(),
                                TimeUnit.SECONDS));
                        ch.pipeline().addLast("codec", new HttpClientCodec(8192, 64 * 1024, 64 * 1024));
                        ch.pipeline().addLast("exchange", new ProxyExchange.Upstream());
                    }
                }, ChannelHealthChecker.ACTIVE, FixedChannelPool.AcquireTimeoutAction.FAIL,
                        config.connectTimeoutMillis() + 1_000L, config.maxConnections(), 1_024, true, true);
                opened.add(pool);
                return pool;
            }
        };
    }

    /**
     * Declares {@code proxy.prefix}: every method but CONNECT and TRACE, nothing else under or above it. No CORS of the
     * tracker's: preflights and CORS headers are the upstream's own, so its cookie-carrying answers are never opened to
     * every web page by the tracker's tracking-route policy.
     */
    public Routes.Builder register(Routes.Builder table) {
        return table.prefix(config.prefix()).methods("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
                .noCors().exclusive().relay(this);
    }

    @Override
    public Routes.Body open(StreamedExchange exchange) {
        Channel client = exchange.channel();
        EventLoop loop = io.tracker.server.http.Transport.connection(client).eventLoop();
        return new ProxyExchange(this, exchange, pools.get(loop)); // started by the router once its body is routed here
    }

    /** Whether a proxied path is recorded as an event (spec: paths the filter matches are not). */
    boolean tracked(String path) {
        return filter != null && !filter.matcher(path).matches();
    }

    @Override
    public void close() {
        opened.forEach(FixedChannelPool::close);
    }
}
