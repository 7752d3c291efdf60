package io.tracker.core.batch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The log under the WAL and the spool, on a disk that fills up, fails fsync or cannot truncate. */
class SegmentLogTest {
    @TempDir
    Path dir;

    private static byte[] rec(int i) {
        return ("record-" + i + "-" + "x".repeat(100)).getBytes(StandardCharsets.UTF_8);
    }

    private static List<String> readAll(SegmentLog log) throws IOException {
        List<String> out = new ArrayList<>();
        for (long s : log.segments()) {
            SegmentLog.Read r = log.read(s, p -> out.add(new String(p, StandardCharsets.UTF_8).split("-")[1]));
            assertTrue(r.intact(), "segment " + s + " intact");
        }
        return out;
    }

    @Test
    void appendCutShortByAFullDiskLeavesNoGarbageBeforeLaterRecords() throws IOException {
        FullDisk disk = new FullDisk();
        SegmentLog log = new SegmentLog(dir, "t", 1 << 20, disk);
        log.append(rec(1));
        log.sync();
        disk.free.set(50); // the next frame gets 50 of its ~120 bytes onto the disk, then ENOSPC
        assertThrows(IOException.class, () -> log.append(rec(2)));
        disk.free.set(Long.MAX_VALUE);
        log.append(rec(3));
        log.sync();
        log.close();
        assertEquals(List.of("1", "3"), readAll(new SegmentLog(dir, "t", 1 << 20)));
    }

    @Test
    void aGroupLargerThanTheWriteBufferRoundTripsAndAFullDiskMidGroupKeepsNoneOfIt() throws IOException {
        FullDisk disk = new FullDisk();
        SegmentLog log = new SegmentLog(dir, "t", 64L << 20, disk);
        List<byte[]> group = new ArrayList<>();
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 3_000; i++) { // ~330 KB of frames: more than one write buffer
            group.add(rec(i));
            expected.add(Integer.toString(i));
        }
        byte[] big = ("record-big-" + "y".repeat(SegmentLog.WRITE_BUFFER + 17)).getBytes(StandardCharsets.UTF_8);
        group.add(big); // one record larger than the buffer itself
        expected.add("big");
        log.appendAll(group);
        log.sync();
        disk.free.set(SegmentLog.WRITE_BUFFER + 1000); // the next group's first write fits, the second does not
        assertThrows(IOException.class, () -> log.appendAll(group));
        disk.free.set(Long.MAX_VALUE);
        log.appendAll(List.of(rec(9_999)));
        log.sync();
        log.close();
        expected.add("9999");
        assertEquals(expected, readAll(new SegmentLog(dir, "t", 64L << 20)));
    }

    @Test
    void failedFsyncDropsTheUnsyncedRecordsSoARetryStoresThemOnce() throws IOException {
        FullDisk disk = new FullDisk();
        SegmentLog log = new SegmentLog(dir, "t", 1 << 20, disk);
        log.append(rec(1));
        log.sync();
        log.append(rec(2));
        disk.failSync = true;
        assertThrows(IOException.class, log::sync);
        disk.failSync = false;
        log.append(rec(2)); // the caller's retry
        log.sync();
        log.close();
        assertEquals(List.of("1", "2"), readAll(new SegmentLog(dir, "t", 1 << 20)));
    }

    @Test
    void segmentCreatedOnAFullDiskNeverExistsWithoutItsHeader() throws IOException {
        FullDisk disk = new FullDisk();
        SegmentLog log = new SegmentLog(dir, "t", 200, disk); // one record per segment
        log.append(rec(1));
        log.sync();
        disk.free.set(3); // the new segment's header does not fit
        assertThrows(IOException.class, () -> log.append(rec(2)));
        assertThrows(IOException.class, () -> log.append(rec(2))); // retried while still full
        disk.free.set(Long.MAX_VALUE);
        log.append(rec(2));
        log.sync();
        log.append(rec(3));
        log.sync();
        log.close();
        for (long s : log.segments()) {
            assertTrue(Files.size(log.path(s)) > 8, "no empty or headerless segment is left behind");
        }
        assertEquals(List.of("1", "2", "3"), readAll(new SegmentLog(dir, "t", 200)));
    }

    @Test
    void anUntruncatableTailIsEndMarkedSoRefusedRecordsAreNeverReadAndLaterOnesGoToANewSegment() throws IOException {
        FullDisk disk = new FullDisk();
        SegmentLog log = new SegmentLog(dir, "t", 1 << 20, disk);
        log.append(rec(1));
        log.sync();
        log.append(rec(2)); // whole, but never synced: its request is refused when the group fails
        disk.free.set(40);
        disk.failTruncate = true;
        assertThrows(IOException.class, () -> log.append(rec(3)));
        disk.free.set(Long.MAX_VALUE);
        disk.failTruncate = false;
        log.append(rec(4));
        log.sync();
        log.close();
        assertEquals(2, log.segments().size());
        assertEquals(List.of("1", "4"), readAll(new SegmentLog(dir, "t", 1 << 20)),
                "the refused record 2 is behind the end mark: never replayed");
    }

    @Test
    void aLogThatCanNeitherTruncateNorMarkRefusesEveryLaterAppend() throws IOException {
        FullDisk disk = new FullDisk();
        SegmentLog log = new SegmentLog(dir, "t", 1 << 20, disk);
        log.append(rec(1));
        log.sync();
        disk.failSync = true;
        disk.failTruncate = true;
        disk.failPositionalWrite = true;
        log.append(rec(2));
        assertThrows(IOException.class, log::sync);
        disk.failSync = false;
        disk.failTruncate = false;
        disk.failPositionalWrite = false;
        IOException e = assertThrows(IOException.class, () -> log.append(rec(3)));
        assertTrue(e.getMessage().contains("unusable"), e.getMessage());
    }

    @Test
    void damageInsideASegmentIsReportedWhileATornTailIsNot() throws IOException {
        SegmentLog log = new SegmentLog(dir, "t", 1 << 20);
        for (int i = 1; i <= 3; i++) {
            log.append(rec(i));
        }
        log.sync();
        log.close();
        long seg = log.segments().get(0);
        Path file = log.path(seg);
        byte[] bytes = Files.readAllBytes(file);

        byte[] torn = java.util.Arrays.copyOf(bytes, bytes.length - 10); // a crash cut the last write
        Files.write(file, torn);
        List<byte[]> got = new ArrayList<>();
        SegmentLog.Read r = log.read(seg, got::add);
        assertEquals(2, r.records());
        assertTrue(r.intact());

        byte[] damaged = bytes.clone();
        damaged[8 + 8 + 20] ^= 0x55; // inside the first record's payload, good records behind it
        Files.write(file, damaged);
        r = log.read(seg, p -> { });
        assertEquals(0, r.records());
        assertFalse(r.intact());
    }
}
