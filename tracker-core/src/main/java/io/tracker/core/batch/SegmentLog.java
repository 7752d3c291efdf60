package io.tracker.core.batch;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An append-only log of checksummed records in numbered segment files: the storage under both the
 * write-ahead log and the per-session spool. Record frame: {@code [int length][int crc32c][payload]}.
 *
 * <p>The contract callers build on: a record is in the log once {@link #sync} returned after its
 * {@link #append}. Any {@link IOException} from {@code append} or {@code sync} (a full disk, EIO) means every record
 * appended since the last successful sync is <em>not</em> in the log: the segment is truncated back to that point,
 * so a retry never writes a record twice and a partial write never leaves garbage in front of later records.
 * A segment only rotates when nothing is pending, and a new segment is created with its header written, fsynced
 * and its directory entry fsynced before any record goes in — or not at all.
 *
 * <p>A reader stops at the first bad frame: a frame running past the end of the file or followed only by zeros is
 * a torn tail (a crash mid-write, never acknowledged), and an all-zero frame header is the end mark a rollback writes
 * when it cannot truncate (what follows was refused); anything else means the segment is damaged, and
 * {@link Read#intact()} says so, so the owner keeps the file aside instead of deleting good records behind it.
 * Not thread-safe: one owner thread appends.
 */
final class SegmentLog implements Closeable {
    private static final Logger log = LoggerFactory.getLogger(SegmentLog.class);
    private static final byte[] MAGIC = "TRKLOG01".getBytes(StandardCharsets.US_ASCII);
    private static final int FRAME_HEADER = 8;
    static final int MAX_RECORD = 256 * 1024 * 1024;
    /** Bytes framed in memory before one write: a group commit's records go out in one system call, not one each. */
    static final int WRITE_BUFFER = 256 * 1024;

    /** Opens segment files; a seam for fault-injection tests (a channel that fails like a full disk). */
    @FunctionalInterface
    interface Opener {
        FileChannel open(Path path, OpenOption... options) throws IOException;
    }

    static final Opener FILES = FileChannel::open;

    private final Path dir;
    private final String prefix;
    private final long segmentBytes;
    private final Opener opener;
    private FileChannel current;
    /** The direct buffer records are framed into (allocated on the first append, reused: the JDK copies heap buffers). */
    private ByteBuffer buffer;
    private long currentSegment = -1;
    /** Bytes written to the current segment, and the part of them known durable. */
    private long size;
    private long committed;
    /** Set when a failed append could be neither truncated nor marked: the log refuses appends from then on. */
    private Exception broken;
    /** New segments come from a pre-zeroed spare when one is ready (see {@link #prepareSpare}). */
    private volatile boolean preallocate;
    /** Told when rotation used the spare, so another is made. */
    private volatile Runnable spareUsed = () -> { };
    /** Held while a new segment is numbered and created: logs sharing a directory and prefix share it too. */
    private Object rotation = this;

    SegmentLog(Path dir, String prefix, long segmentBytes) throws IOException {
        this(dir, prefix, segmentBytes, FILES);
    }

    SegmentLog(Path dir, String prefix, long segmentBytes, Opener opener) throws IOException {
        this.dir = dir;
        this.prefix = prefix;
        this.segmentBytes = segmentBytes;
        this.opener = opener;
        Files.createDirectories(dir);
    }

    /** The outcome of reading one segment. */
    record Read(int records, boolean intact) {
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

    /** Reads every intact record of {@code segment}, in order. */
    Read read(long segment, RecordConsumer consumer) throws IOException {
        Path file = path(segment);
        byte[] all = Files.readAllBytes(file);
        if (all.length < MAGIC.length) {
            // A crash between creating the file and fsyncing its header: nothing was ever appended to it.
            return new Read(0, zeros(all, 0));
        }
        if (!Arrays.equals(all, 0, MAGIC.length, MAGIC, 0, MAGIC.length)) {
            log.atError().addKeyValue("file", file).log("segment with a foreign header; kept aside, not read");
            return new Read(0, false);
        }
        ByteBuffer buf = ByteBuffer.wrap(all);
        buf.position(MAGIC.length);
        int n = 0;
        while (buf.hasRemaining()) {
            int start = buf.position();
            if (buf.remaining() < FRAME_HEADER) {
                return torn(file, start, n, true);
            }
            int len = buf.getInt();
            int crc = buf.getInt();
            if (len == 0 && crc == 0) {
                return new Read(n, true); // the end mark of a rollback that could not truncate: the rest was refused
            }
            if (len > buf.remaining()) {
                return torn(file, start, n, true); // the frame runs past the end: a write cut short
            }
            if (len <= 0 || len > MAX_RECORD) {
                return torn(file, start, n, zeros(all, start));
            }
            byte[] payload = new byte[len];
            buf.get(payload);
            CRC32C c = new CRC32C();
            c.update(payload);
            if ((int) c.getValue() != crc) {
                return torn(file, start, n, !buf.hasRemaining() || zeros(all, buf.position()));
            }
            consumer.accept(payload);
            n++;
        }
        return new Read(n, true);
    }

    private static Read torn(Path file, int offset, int records, boolean tail) {
        if (tail) {
            log.atWarn().addKeyValue("file", file).addKeyValue("offset", offset)
                    .log("torn record at segment tail (a write cut short, never acknowledged); ignored");
        } else {
            log.atError().addKeyValue("file", file).addKeyValue("offset", offset)
                    .log("damaged record inside a segment; the records before it are read, the file is kept");
        }
        return new Read(records, tail);
    }

    private static boolean zeros(byte[] all, int from) {
        for (int i = from; i < all.length; i++) {
            if (all[i] != 0) {
                return false;
            }
        }
        return true;
    }

    /**
     * Appends one record (not yet durable: see {@link #sync}); returns the segment it went to. On failure every
     * record since the last sync is gone (see the class comment).
     */
    long append(byte[] payload) throws IOException {
        return appendAll(List.of(payload));
    }

    /**
     * Appends {@code payloads} as consecutive records of one segment (not yet durable: see {@link #sync}), framed into
     * one reused direct buffer and written with as few system calls as it takes (one per {@link #WRITE_BUFFER} bytes),
     * not one per record; returns the segment. On failure every record since the last sync is gone, these included.
     */
    long appendAll(List<byte[]> payloads) throws IOException {
        if (broken != null) {
            throw new IOException("log unusable after an I/O error that could not be rolled back", broken);
        }
        for (byte[] payload : payloads) {
            if (payload.length > MAX_RECORD) {
                throw new IOException("record of " + payload.length + " bytes exceeds " + MAX_RECORD);
            }
        }
        if (current == null || (size >= segmentBytes && size == committed)) {
            rotate();
        }
        if (buffer == null) {
            try {
                buffer = ByteBuffer.allocateDirect(WRITE_BUFFER);
            } catch (OutOfMemoryError e) {
                throw new IOException("no direct memory for the log's write buffer", e);
            }
        }
        long written = 0;
        try {
            buffer.clear();
            CRC32C c = new CRC32C();
            for (byte[] payload : payloads) {
                c.reset();
                c.update(payload);
                if (buffer.remaining() < FRAME_HEADER) {
                    written += drain(buffer);
                }
                buffer.putInt(payload.length).putInt((int) c.getValue());
                int off = 0;
                while (off < payload.length) {
                    if (!buffer.hasRemaining()) {
                        written += drain(buffer);
                    }
                    int n = Math.min(buffer.remaining(), payload.length - off);
                    buffer.put(payload, off, n);
                    off += n;
                }
            }
            written += drain(buffer);
        } catch (IOException | RuntimeException e) {
            size += written; // what may have reached the file
            rollback();
            throw e;
        }
        size += written;
        return currentSegment;
    }

    /** Writes what {@code buf} holds to the segment and empties it; returns the bytes written. */
    private long drain(ByteBuffer buf) throws IOException {
        buf.flip();
        long n = 0;
        while (buf.hasRemaining()) {
            n += current.write(buf);
        }
        buf.clear();
        return n;
    }

    /** Makes every appended record durable (fsync); on failure none of the records since the last sync is kept. */
    void sync() throws IOException {
        if (current == null || size == committed) {
            return;
        }
        try {
            current.force(false);
        } catch (IOException | RuntimeException e) {
            rollback();
            throw e;
        }
        committed = size;
    }

    /** Records appended but not synced yet: dropped from the file (a failed fsync leaves page-cache state unknown). */
    private void rollback() {
        try {
            current.truncate(committed);
            current.position(committed);
            size = committed;
            return;
        } catch (IOException | RuntimeException e) {
            log.atError().addKeyValue("file", path(currentSegment)).setCause(e)
                    .log("cannot truncate a failed append; marking the segment's end instead");
        }
        // The tail cannot be cut. Whole refused records may sit behind the last sync: an all-zero frame header over
        // them ends the segment for every reader (those bytes are allocated already: no new space is needed). The
        // next append starts a new segment.
        try {
            ByteBuffer mark = ByteBuffer.allocate(FRAME_HEADER);
            long at = committed;
            while (mark.hasRemaining()) {
                at += current.write(mark, at);
            }
            current.force(false);
        } catch (IOException | RuntimeException e) {
            // Neither cut nor marked: refused records could be replayed after a crash. Refuse every append from now
            // on (requests get 503, writers keep their rows) rather than build on a log that may lie.
            broken = e;
            log.atError().addKeyValue("file", path(currentSegment)).setCause(e)
                    .log("cannot mark the end of a failed append either; this log takes no more appends");
        }
        closeQuietly(current);
        current = null;
        size = committed;
    }

    /** True when a segment is open for appends and holds no record yet. */
    boolean currentIsEmpty() {
        return current != null && size == MAGIC.length;
    }

    long currentSegment() {
        return currentSegment;
    }

    /** The segment appends go to now, or -1 when none is open (the next append creates one). */
    long writingSegment() {
        return current == null ? -1 : currentSegment;
    }

    /**
     * Syncs and closes the segment being written without starting a new one (no file is created, so this works on a
     * full disk): the next append opens a fresh segment.
     */
    void closeCurrent() throws IOException {
        if (current == null) {
            return;
        }
        sync();
        closeQuietly(current);
        current = null;
    }

    /**
     * Lets several logs (the WAL's stripes, each with its own thread) write segments of one directory and prefix:
     * numbering and creating a segment happens under {@code lock}, so their numbers never collide.
     */
    void shareRotation(Object lock) {
        this.rotation = lock;
    }

    /** Starts a new segment (nothing may be pending): the next append goes there. */
    void rotate() throws IOException {
        if (current != null && size != committed) {
            throw new IllegalStateException("rotate with records not yet synced");
        }
        synchronized (rotation) {
            rotateLocked();
        }
    }

    private void rotateLocked() throws IOException {
        List<Long> existing = segments();
        long next = Math.max(currentSegment, existing.isEmpty() ? -1 : existing.get(existing.size() - 1)) + 1;
        Path file = path(next);
        FileChannel spare = preallocate ? takeSpare(file) : null;
        if (spare != null) {
            startSegment(spare, next);
            spareUsed.run();
            return;
        }
        FileChannel ch = opener.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        try {
            writeHeader(ch);
            ch.force(true);
            syncDirectory(dir);
        } catch (IOException | RuntimeException e) {
            closeQuietly(ch);
            Files.deleteIfExists(file); // a segment without its header never holds a record
            throw e;
        }
        startSegment(ch, next);
    }

    /** Makes {@code ch}, a segment holding just its header, the one appends go to. */
    private void startSegment(FileChannel ch, long number) {
        if (current != null) {
            closeQuietly(current); // everything in it is synced
        }
        current = ch;
        currentSegment = number;
        size = MAGIC.length;
        committed = MAGIC.length;
    }

    private static void writeHeader(FileChannel ch) throws IOException {
        ByteBuffer header = ByteBuffer.wrap(MAGIC);
        while (header.hasRemaining()) {
            ch.write(header);
        }
    }

    /**
     * Lets new segments start as pre-zeroed files of {@code segmentBytes} (made by {@link #prepareSpare} on another
     * thread; {@code onUsed} is told when one is taken). Appends then overwrite allocated blocks instead of growing
     * the file, so an fsync has no file size or extent to journal: on ext4 here it took 185 µs instead of 280-400.
     * The zeros past the last record read as the end mark, so readers need nothing new.
     */
    void preallocate(Runnable onUsed) {
        this.spareUsed = onUsed;
        this.preallocate = true;
    }

    boolean preallocating() {
        return preallocate;
    }

    private Path spare() {
        return dir.resolve(prefix + "-next.zero");
    }

    private Path partialSpare() {
        return dir.resolve(prefix + "-next.zero.tmp");
    }

    /**
     * Makes the spare segment if there is none: the header and zeros up to {@code segmentBytes}, fsynced, under a
     * temporary name and then renamed, so a spare is always complete. Safe beside the owner thread's appends.
     */
    void prepareSpare(java.util.function.BooleanSupplier stop) throws IOException {
        Path spare = spare();
        if (Files.exists(spare)) {
            return;
        }
        // Never the last free bytes: on a nearly full disk the log's own segments, the spool and the backends need them
        // more than a faster fsync does.
        long usable = Files.getFileStore(dir).getUsableSpace();
        if (usable < 4 * segmentBytes + (64L << 20)) {
            throw new IOException("only " + usable + " bytes free: no spare segment of " + segmentBytes + " bytes");
        }
        Path partial = partialSpare();
        ByteBuffer zeros = ByteBuffer.allocateDirect(WRITE_BUFFER);
        try (FileChannel ch = opener.open(partial, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE)) {
            writeHeader(ch);
            long left = segmentBytes - MAGIC.length;
            while (left > 0) {
                if (stop.getAsBoolean()) {
                    throw new IOException("stopping");
                }
                zeros.clear().limit((int) Math.min(zeros.capacity(), left));
                while (zeros.hasRemaining()) {
                    left -= ch.write(zeros);
                }
                if (left % (4L << 20) < WRITE_BUFFER) {
                    ch.force(false); // in steps: one large flush would stall the log's own fsyncs behind it
                }
            }
            ch.force(true);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(partial);
            throw e;
        }
        Files.move(partial, spare, StandardCopyOption.ATOMIC_MOVE);
        syncDirectory(dir);
    }

    /** Removes the spare (and a half-made one): at a clean stop. */
    void deleteSpare() throws IOException {
        Files.deleteIfExists(spare());
        Files.deleteIfExists(partialSpare());
    }

    /** The spare renamed to {@code file} and opened after its header, or null when none is ready. */
    private FileChannel takeSpare(Path file) throws IOException {
        if (Files.exists(file)) {
            throw new java.nio.file.FileAlreadyExistsException(file.toString()); // as CREATE_NEW would
        }
        try {
            Files.move(spare(), file, StandardCopyOption.ATOMIC_MOVE);
        } catch (java.nio.file.NoSuchFileException none) {
            return null;
        }
        FileChannel ch = null;
        try {
            syncDirectory(dir);
            ch = opener.open(file, StandardOpenOption.WRITE);
            ch.position(MAGIC.length);
            return ch;
        } catch (IOException | RuntimeException e) {
            if (ch != null) {
                closeQuietly(ch);
            }
            throw e; // the file holds a header and zeros: an empty segment, read as such and deleted at recovery
        }
    }

    /** Makes a file creation, rename or deletion in {@code dir} durable. */
    static void syncDirectory(Path dir) throws IOException {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        }
    }

    void delete(long segment) throws IOException {
        if (segment == currentSegment && current != null) {
            throw new IllegalStateException("cannot delete the segment being written");
        }
        Files.deleteIfExists(path(segment));
    }

    /** Moves a damaged segment out of the log (to {@code <name>.damaged}), keeping its bytes for inspection. */
    Path setAside(long segment) throws IOException {
        Path from = path(segment);
        Path to = from.resolveSibling(from.getFileName() + ".damaged");
        Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        syncDirectory(dir);
        return to;
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
        if (current != null) {
            try {
                sync();
            } finally {
                closeQuietly(current);
                current = null;
            }
        }
    }

    private static void closeQuietly(FileChannel ch) {
        try {
            ch.close();
        } catch (IOException ignored) {
            // closing a channel whose writes already failed
        }
    }

    @FunctionalInterface
    interface RecordConsumer {
        void accept(byte[] payload) throws IOException;
    }
}
