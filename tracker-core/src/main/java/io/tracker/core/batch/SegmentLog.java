package io.tracker.core.batch;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An append-only log of checksummed records in numbered segment files: the storage under both the
 * write-ahead log and the per-session spool. Record frame: {@code [int length][int crc32c][payload]}.
 * A reader stops at the first frame that is short or fails its checksum (a torn write at a crash).
 * A log opened for writing always starts a fresh segment; old segments are only read and deleted.
 * Not thread-safe: one owner thread appends.
 */
final class SegmentLog implements Closeable {
    private static final Logger log = LoggerFactory.getLogger(SegmentLog.class);
    private static final byte[] MAGIC = "TRKLOG01".getBytes(StandardCharsets.US_ASCII);
    private static final int FRAME_HEADER = 8;
    static final int MAX_RECORD = 256 * 1024 * 1024;

    private final Path dir;
    private final String prefix;
    private final long segmentBytes;
    private FileChannel current;
    private long currentSegment = -1;
    private long currentSize;
    private final List<FileChannel> unsynced = new ArrayList<>();

    SegmentLog(Path dir, String prefix, long segmentBytes) throws IOException {
        this.dir = dir;
        this.prefix = prefix;
        this.segmentBytes = segmentBytes;
        Files.createDirectories(dir);
    }

    /** Existing segment numbers, oldest first. */
    List<Long> segments() throws IOException {
        List<Long> out = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, prefix + "-*.log")) {
            for (Path p : ds) {
                String n = p.getFileName().toString();
                try {
                    out.add(Long.parseLong(n.substring(prefix.length() + 1, n.length() - 4)));
                } catch (NumberFormatException ignored) {
                    // not one of ours
                }
            }
        }
        out.sort(null);
        return out;
    }

    /** Reads every intact record of {@code segment}, in order; returns how many were read. */
    int read(long segment, RecordConsumer consumer) throws IOException {
        Path file = path(segment);
        byte[] all = Files.readAllBytes(file);
        if (all.length < MAGIC.length || !java.util.Arrays.equals(all, 0, MAGIC.length, MAGIC, 0, MAGIC.length)) {
            log.atWarn().addKeyValue("file", file).log("segment without header; skipped");
            return 0;
        }
        ByteBuffer buf = ByteBuffer.wrap(all);
        buf.position(MAGIC.length);
        int n = 0;
        while (buf.remaining() >= FRAME_HEADER) {
            int len = buf.getInt();
            int crc = buf.getInt();
            if (len < 0 || len > MAX_RECORD || len > buf.remaining()) {
                log.atWarn().addKeyValue("file", file).addKeyValue("offset", buf.position() - FRAME_HEADER)
                        .log("torn record at segment tail; the rest is ignored");
                break;
            }
            byte[] payload = new byte[len];
            buf.get(payload);
            CRC32C c = new CRC32C();
            c.update(payload);
            if ((int) c.getValue() != crc) {
                log.atWarn().addKeyValue("file", file).addKeyValue("offset", buf.position() - len - FRAME_HEADER)
                        .log("record fails its checksum; the rest of the segment is ignored");
                break;
            }
            consumer.accept(payload);
            n++;
        }
        return n;
    }

    /** Appends one record (not yet durable: see {@link #sync}); returns the segment it went to. */
    long append(byte[] payload) throws IOException {
        if (payload.length > MAX_RECORD) {
            throw new IOException("record of " + payload.length + " bytes exceeds " + MAX_RECORD);
        }
        if (current == null || currentSize >= segmentBytes) {
            rotate();
        }
        CRC32C c = new CRC32C();
        c.update(payload);
        ByteBuffer frame = ByteBuffer.allocate(FRAME_HEADER + payload.length);
        frame.putInt(payload.length).putInt((int) c.getValue()).put(payload).flip();
        while (frame.hasRemaining()) {
            current.write(frame);
        }
        currentSize += FRAME_HEADER + payload.length;
        return currentSegment;
    }

    /** Makes every appended record durable (fsync). */
    void sync() throws IOException {
        for (FileChannel ch : unsynced) {
            ch.force(false);
            ch.close();
        }
        unsynced.clear();
        if (current != null) {
            current.force(false);
        }
    }

    /** True when the segment being written holds no record yet. */
    boolean currentIsEmpty() {
        return current == null || currentSize == MAGIC.length;
    }

    long currentSegment() {
        return currentSegment;
    }

    /** Starts a new segment: the next append goes there. */
    void rotate() throws IOException {
        if (current != null) {
            unsynced.add(current);
        }
        List<Long> existing = segments();
        long next = Math.max(currentSegment, existing.isEmpty() ? -1 : existing.get(existing.size() - 1)) + 1;
        current = FileChannel.open(path(next), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        current.write(ByteBuffer.wrap(MAGIC));
        currentSegment = next;
        currentSize = MAGIC.length;
    }

    void delete(long segment) throws IOException {
        if (segment == currentSegment) {
            throw new IllegalStateException("cannot delete the segment being written");
        }
        Files.deleteIfExists(path(segment));
    }

    long sizeOnDisk() throws IOException {
        long total = 0;
        for (long s : segments()) {
            total += Files.size(path(s));
        }
        return total;
    }

    Path path(long segment) {
        return dir.resolve(String.format("%s-%020d.log", prefix, segment));
    }

    @Override
    public void close() throws IOException {
        sync();
        if (current != null) {
            current.close();
            current = null;
        }
    }

    @FunctionalInterface
    interface RecordConsumer {
        void accept(byte[] payload) throws IOException;
    }
}
