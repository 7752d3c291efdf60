package io.tracker.server.http;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.ServerSocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.tracker.core.config.ServerConfig;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Binds the HTTP listener: epoll where the native transport loads, NIO otherwise. */
public final class HttpServer {
    private static final Logger log = LoggerFactory.getLogger(HttpServer.class);

    private final ServerConfig config;
    private final HttpInitializer initializer;
    private final HttpInitializer tlsInitializer;
    private final int tlsPort;
    private EventLoopGroup boss;
    private EventLoopGroup workers;
    private volatile Channel channel;
    private volatile Channel tlsChannel;
    private Class<? extends ServerSocketChannel> channelType;
    private boolean epoll;

    /** Every route this server answers. */
    public Routes routes() {
        return initializer.routes();
    }

    public HttpServer(ServerConfig config, HttpInitializer initializer) {
        this(config, initializer, null, 0);
    }

    /** Also a TLS listener on {@code tlsPort} built by {@code tlsInitializer} (none when it is null). */
    public HttpServer(ServerConfig config, HttpInitializer initializer, HttpInitializer tlsInitializer, int tlsPort) {
        this.config = config;
        this.initializer = initializer;
        this.tlsInitializer = tlsInitializer;
        this.tlsPort = tlsPort;
    }

    /** Creates the event loops (loads the native transport) without binding. */
    public void prepare() {
        if (boss != null) {
            return;
        }
        epoll = Epoll.isAvailable();
        // One loop per core: Netty's default of two per core only adds context switches here.
        int loops = config.ioThreads() > 0 ? config.ioThreads() : Runtime.getRuntime().availableProcessors();
        if (epoll) {
            boss = new EpollEventLoopGroup(1);
            workers = new EpollEventLoopGroup(loops);
            channelType = EpollServerSocketChannel.class;
        } else {
            boss = new NioEventLoopGroup(1);
            workers = new NioEventLoopGroup(loops);
            channelType = NioServerSocketChannel.class;
        }
    }

    public void start() throws InterruptedException {
        prepare();
        if (tlsInitializer != null) { // first: the plain listener redirects to it
            tlsChannel = bind(tlsInitializer, tlsPort);
            log.atInfo().addKeyValue("address", tlsChannel.localAddress()).log("https listening (h2, http/1.1)");
        }
        try {
            channel = bind(initializer, config.port());
        } catch (RuntimeException | InterruptedException e) {
            closeListener();
            throw e;
        }
        log.atInfo().addKeyValue("address", channel.localAddress()).addKeyValue("transport", epoll ? "epoll" : "nio")
                .log("http listening");
    }

    private Channel bind(HttpInitializer init, int port) throws InterruptedException {
        ServerBootstrap b = new ServerBootstrap()
                .group(boss, workers)
                .channel(channelType)
                .option(ChannelOption.SO_BACKLOG, 1024)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.SO_KEEPALIVE, true)
                .childHandler(init);
        return b.bind(config.host(), port).sync().channel();
    }

    public int port() {
        return ((InetSocketAddress) channel.localAddress()).getPort();
    }

    /** The bound TLS port, or -1 without TLS. */
    public int tlsPort() {
        return tlsChannel == null ? -1 : ((InetSocketAddress) tlsChannel.localAddress()).getPort();
    }

    /** Stops accepting new connections; open ones keep being served. */
    public void closeListener() {
        if (channel != null) {
            channel.close().syncUninterruptibly();
        }
        if (tlsChannel != null) {
            tlsChannel.close().syncUninterruptibly();
        }
    }

    /** Stops accepting, then lets the event loops finish what they are doing and closes every connection. */
    public void stop(long quietMillis, long timeoutMillis) {
        closeListener();
        if (boss != null) {
            boss.shutdownGracefully(0, timeoutMillis, TimeUnit.MILLISECONDS).syncUninterruptibly();
        }
        if (workers != null) {
            workers.shutdownGracefully(quietMillis, timeoutMillis, TimeUnit.MILLISECONDS).syncUninterruptibly();
        }
    }
}
