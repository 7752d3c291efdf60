import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import net.jpountz.lz4.LZ4Factory;

/**
 * WebSocket frames/s: CONNECTIONS clients each send FRAMES binary frames in the Go browser client's format (4-byte LE
 * length + raw LZ4 block of one JSON event) to ws://.../tr/v1/ws?ack=1, at most WINDOW unacknowledged per connection,
 * and count the eids acknowledged (rows durable). Run with the tracker jar on the class path (it holds lz4-java):
 *   java -cp tracker-server/target/tracker.jar bench/WsFrames.java ws://127.0.0.1:18080/tr/v1/ws?ack=1 4 50000 256
 */
public class WsFrames {
    public static void main(String[] args) throws Exception {
        URI uri = URI.create(args[0]);
        int connections = Integer.parseInt(args[1]);
        int frames = Integer.parseInt(args[2]);
        int window = Integer.parseInt(args[3]);
        var lz4 = LZ4Factory.safeInstance().fastCompressor();
        AtomicLong acked = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        CountDownLatch done = new CountDownLatch(connections);
        HttpClient http = HttpClient.newHttpClient();
        long t0 = System.nanoTime();
        for (int c = 0; c < connections; c++) {
            int conn = c;
            new Thread(() -> {
                try {
                    Semaphore credit = new Semaphore(window);
                    AtomicLong mine = new AtomicLong();
                    WebSocket ws = http.newWebSocketBuilder().buildAsync(uri, new WebSocket.Listener() {
                        final StringBuilder text = new StringBuilder();

                        @Override
                        public CompletionStage<?> onText(WebSocket w, CharSequence data, boolean last) {
                            text.append(data);
                            if (last) {
                                String s = text.toString();
                                text.setLength(0);
                                if (!s.startsWith("{\"eids\"") && errors.getAndIncrement() < 3) {
                                    System.err.println("refused frame: " + s);
                                }
                                int n = s.split("\"", -1).length / 2 - 1; // {"eids":["a","b"]}: quoted strings minus the key
                                mine.addAndGet(n);
                                acked.addAndGet(n);
                                credit.release(n);
                            }
                            w.request(1);
                            return null;
                        }
                    }).get(10, TimeUnit.SECONDS);
                    for (int i = 0; i < frames; i++) {
                        credit.acquire();
                        byte[] json = ("{\"ename\":\"ws_bench\",\"etyp\":\"frame\",\"url\":\"https://shop.example.com/p/" + i
                                + "\",\"conn\":" + conn + ",\"n\":" + i + "}").getBytes(StandardCharsets.UTF_8);
                        byte[] block = lz4.compress(json);
                        ByteBuffer frame = ByteBuffer.allocate(4 + block.length).order(ByteOrder.LITTLE_ENDIAN);
                        frame.putInt(json.length).put(block).flip();
                        // The JDK's client masks 8 bytes at a time in the buffer's byte order: a little-endian
                        // buffer goes out byte-swapped (seen on 17.0.15). Its bytes are written; send it big-endian.
                        frame.order(ByteOrder.BIG_ENDIAN);
                        ws.sendBinary(frame, true).get(10, TimeUnit.SECONDS);
                    }
                    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                    while (mine.get() < frames && System.nanoTime() < deadline) {
                        Thread.sleep(5);
                    }
                    ws.sendClose(WebSocket.NORMAL_CLOSURE, "done").get(10, TimeUnit.SECONDS);
                } catch (Exception e) {
                    e.printStackTrace();
                } finally {
                    done.countDown();
                }
            }).start();
        }
        done.await();
        double secs = (System.nanoTime() - t0) / 1e9;
        long sent = (long) connections * frames;
        System.out.printf("ws frames: refused=%d sent=%d acked=%d in %.1f s = %.0f acked frames/s%n", errors.get(), sent, acked.get(), secs,
                acked.get() / secs);
    }
}
