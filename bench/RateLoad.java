import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Arrays;

/**
 * A constant-rate HTTP/1.1 load generator with corrected latencies (wrk2's method; wrk2 is not packaged here): request
 * i is due at start + i / rate and goes out on the next idle keep-alive connection; its latency counts from when it was
 * due, not from when a connection was free, so a server stall shows up as the latency every waiting request saw
 * (no coordinated omission). One thread, non-blocking sockets, loopback only.
 *
 * <pre>java -XX:+UseSerialGC -Xms64m -Xmx64m bench/RateLoad.java URL RATE SECONDS [CONNECTIONS]</pre>
 * (a small serial heap: the generator's own pauses must not show up as the server's latency).
 * Prints one line: sent, answered, non-2xx, achieved rate, and the p50/p90/p99/p99.9/max latency in ms.
 */
public final class RateLoad {
    private static final class Conn {
        final SocketChannel ch;
        final ByteBuffer in = ByteBuffer.allocate(64 * 1024);
        ByteBuffer out;
        long due;
        boolean busy;

        Conn(SocketChannel ch) {
            this.ch = ch;
        }
    }

    public static void main(String[] args) throws Exception {
        URI uri = URI.create(args[0]);
        if (!uri.getHost().equals("127.0.0.1") && !uri.getHost().equals("localhost")) {
            throw new IllegalArgumentException("loopback only");
        }
        double rate = Double.parseDouble(args[1]);
        long seconds = Long.parseLong(args[2]);
        int connections = args.length > 3 ? Integer.parseInt(args[3]) : 64;
        String path = uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
        if (uri.getRawQuery() != null) {
            path += "?" + uri.getRawQuery();
        }
        byte[] request = ("GET " + path + " HTTP/1.1\r\nHost: " + uri.getHost() + ":" + uri.getPort()
                + "\r\nUser-Agent: RateLoad\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
        InetSocketAddress addr = new InetSocketAddress(uri.getHost(), uri.getPort());

        Selector selector = Selector.open();
        ArrayDeque<Conn> idle = new ArrayDeque<>();
        for (int i = 0; i < connections; i++) {
            idle.add(connect(addr, selector));
        }
        long total = (long) (rate * seconds);
        long[] latencies = new long[(int) total];
        int answered = 0;
        long non2xx = 0;
        long sent = 0;
        double periodNanos = 1e9 / rate;
        long start = System.nanoTime();
        long end = start + seconds * 1_000_000_000L + 5_000_000_000L; // 5 s of grace for the last answers
        while (answered < total && System.nanoTime() < end) {
            long now = System.nanoTime();
            while (sent < total && start + (long) (sent * periodNanos) <= now && !idle.isEmpty()) {
                Conn c = idle.poll();
                c.due = start + (long) (sent * periodNanos);
                c.busy = true;
                if (c.out == null) {
                    c.out = ByteBuffer.wrap(request);
                }
                c.out.clear();
                c.ch.write(c.out);
                if (c.out.hasRemaining()) {
                    c.ch.keyFor(selector).interestOps(SelectionKey.OP_READ | SelectionKey.OP_WRITE);
                }
                sent++;
            }
            // Wait for answers or the next due request: select() has a 1 ms grain, so shorter waits park for at most
            // 200 µs and poll (no busy loop stealing a core from the server); an answer seen late counts as late.
            long untilDue = (sent < total ? start + (long) (sent * periodNanos) : Long.MAX_VALUE) - System.nanoTime();
            if (untilDue > 1_500_000) {
                selector.select(1);
            } else if (selector.selectNow() == 0 && untilDue > 0) {
                java.util.concurrent.locks.LockSupport.parkNanos(Math.min(untilDue, 200_000));
                selector.selectNow();
            }
            for (SelectionKey k : selector.selectedKeys()) {
                Conn c = (Conn) k.attachment();
                if (k.isValid() && k.isWritable() && c.out != null) {
                    c.ch.write(c.out);
                    if (!c.out.hasRemaining()) {
                        k.interestOps(SelectionKey.OP_READ);
                    }
                }
                if (k.isValid() && k.isReadable()) {
                    if (c.ch.read(c.in) < 0) {
                        if (c.busy) {
                            throw new IOException("server closed a connection with a request in flight");
                        }
                        // An idle keep-alive connection closed by the server (nginx closes one every 1000
                        // requests by default): replace it; the replacement's connect time is in no latency.
                        k.cancel();
                        c.ch.close();
                        idle.remove(c);
                        idle.add(connect(addr, selector));
                        continue;
                    }
                    int status = complete(c.in);
                    if (status != 0 && c.busy) {
                        latencies[answered++] = System.nanoTime() - c.due;
                        if (Math.abs(status) / 100 != 2) {
                            non2xx++;
                        }
                        c.busy = false;
                        if (status > 0) {
                            idle.add(c);
                        } else { // "Connection: close": the server ends this one, open another
                            k.cancel();
                            c.ch.close();
                            idle.add(connect(addr, selector));
                        }
                    }
                }
            }
            selector.selectedKeys().clear();
        }
        double elapsed = (System.nanoTime() - start) / 1e9;
        long[] got = Arrays.copyOf(latencies, answered);
        Arrays.sort(got);
        System.out.printf("sent=%d answered=%d non2xx=%d rate=%.0f/s p50=%.2fms p90=%.2fms p99=%.2fms p99.9=%.2fms max=%.2fms%n",
                sent, answered, non2xx, answered / Math.min(elapsed, (double) seconds), ms(got, 0.50), ms(got, 0.90),
                ms(got, 0.99), ms(got, 0.999), got.length == 0 ? 0 : got[got.length - 1] / 1e6);
        if (answered < total) {
            System.exit(1);
        }
    }

    /** A new keep-alive connection, non-blocking and registered for reads. */
    private static Conn connect(InetSocketAddress addr, Selector selector) throws IOException {
        SocketChannel ch = SocketChannel.open(addr);
        ch.configureBlocking(false);
        ch.socket().setTcpNoDelay(true);
        Conn c = new Conn(ch);
        ch.register(selector, SelectionKey.OP_READ, c);
        return c;
    }

    private static double ms(long[] sorted, double q) {
        return sorted.length == 0 ? 0 : sorted[(int) Math.min(sorted.length - 1, Math.floor(q * sorted.length))] / 1e6;
    }

    /**
     * If {@code in} holds a whole response (headers and Content-Length body), consumes it and returns its status,
     * negated when the server closes the connection after it; else 0. Both servers' answers carry Content-Length.
     * Parsed in place: the generator allocates nothing per answer, so its own collections stay out of the figures.
     */
    private static int complete(ByteBuffer in) {
        byte[] a = in.array();
        int n = in.position();
        int headerEnd = -1;
        for (int i = 3; i < n; i++) {
            if (a[i] == '\n' && a[i - 1] == '\r' && a[i - 2] == '\n' && a[i - 3] == '\r') {
                headerEnd = i + 1;
                break;
            }
        }
        if (headerEnd < 0) {
            return 0;
        }
        int status = (a[9] - '0') * 100 + (a[10] - '0') * 10 + (a[11] - '0');
        int length = 0;
        boolean close = false;
        for (int line = 0; line < headerEnd; ) {
            int eol = line;
            while (eol < headerEnd && a[eol] != '\r') {
                eol++;
            }
            if (startsWith(a, line, eol, "content-length:")) {
                for (int i = line + 15; i < eol; i++) {
                    if (a[i] >= '0' && a[i] <= '9') {
                        length = length * 10 + (a[i] - '0');
                    }
                }
            } else if (startsWith(a, line, eol, "connection:")) {
                close = startsWith(a, skipSpaces(a, line + 11, eol), eol, "close");
            }
            line = eol + 2;
        }
        if (n < headerEnd + length) {
            return 0;
        }
        int rest = n - headerEnd - length;
        System.arraycopy(a, headerEnd + length, a, 0, rest);
        in.position(rest);
        return close ? -status : status;
    }

    private static int skipSpaces(byte[] a, int from, int end) {
        while (from < end && a[from] == ' ') {
            from++;
        }
        return from;
    }

    /** {@code a[from, end)} starts with {@code lower}, ignoring ASCII case. */
    private static boolean startsWith(byte[] a, int from, int end, String lower) {
        if (end - from < lower.length()) {
            return false;
        }
        for (int i = 0; i < lower.length(); i++) {
            if (Character.toLowerCase((char) a[from + i]) != lower.charAt(i)) {
                return false;
            }
        }
        return true;
    }
}
