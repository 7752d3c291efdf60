package io.tracker.core.batch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tracker.core.model.Row;
import io.tracker.core.model.RowBuilder;
import io.tracker.core.model.Table;
import io.tracker.core.model.Tables;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The write-ahead log on a disk that fills up: a request's rows are in it entirely or not at all. */
class WriteAheadLogTest {
    @TempDir
    Path dir;

    private static Map<Table, List<Row>> paymentWithIncrement() {
        Row payment = new RowBuilder(Tables.PAYMENTS).eid(UUID.randomUUID()).set("revenue", new BigDecimal("1.0000"))
                .set("created_at", 1L).set("updated_at", 1L).build();
        Row increment = new RowBuilder(Tables.LTV).eid(UUID.randomUUID()).set("id", UUID.randomUUID())
                .set("id_type", "uid").set("paid", new BigDecimal("1.0000"))
                .set("created_at", 1L).set("updated_at", 1L).build();
        Map<Table, List<Row>> m = new LinkedHashMap<>();
        m.put(Tables.PAYMENTS, List.of(payment));
        m.put(Tables.LTV, List.of(increment));
        return m;
    }

    @Test
    void rowsOfSeveralTablesAreLoggedTogetherOrNotAtAll() throws Exception {
        FullDisk disk = new FullDisk();
        WriteAheadLog wal = new WriteAheadLog(dir, 1 << 20, 1, 1, new SimpleMeterRegistry(), disk);
        wal.start();
        long first = wal.append(paymentWithIncrement()).get(5, TimeUnit.SECONDS);
        // Room for the payment's record but not the increment's: the whole request must be refused and absent.
        long oneRequest = java.nio.file.Files.size(dir.resolve(String.format("wal-%020d.log", first))) - 8;
        disk.free.set(oneRequest - 10);
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> wal.append(paymentWithIncrement()).get(5, TimeUnit.SECONDS));
        assertTrue(e.getCause().getMessage().contains("No space"), e.getCause().toString());
        disk.free.set(Long.MAX_VALUE);
        wal.drain();

        WriteAheadLog reopened = new WriteAheadLog(dir, 1 << 20, 1, 1, new SimpleMeterRegistry());
        List<WriteAheadLog.Recovered> found = reopened.recover();
        assertEquals(2, found.size(), "the first request's two records, and nothing of the refused one");
        assertTrue(found.stream().allMatch(r -> r.segment() == first), "one request, one segment");
        assertEquals(List.of("payments", "ltv"), found.stream().map(r -> r.table().name()).toList());
    }

    @Test
    void stripesOfPreZeroedSegmentsHoldEveryAcknowledgedRecordOnceAcrossRotationsAndACrash() throws Exception {
        long segmentBytes = 16 * 1024;
        WriteAheadLog wal = new WriteAheadLog(dir, segmentBytes, 0, 1, 2, new SimpleMeterRegistry()); // two stripes
        wal.start();
        Path spare = dir.resolve("wal-next.zero");
        java.util.Set<Long> used = new java.util.TreeSet<>();
        int appended = 0;
        long until0 = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!java.nio.file.Files.exists(spare) && System.nanoTime() < until0) {
            Thread.sleep(5);
        }
        long first = wal.append(paymentWithIncrement()).get(5, TimeUnit.SECONDS);
        used.add(first);
        appended++;
        // The first segment came from the spare: full size already, with one record in it (appends overwrite zeros).
        assertEquals(segmentBytes, java.nio.file.Files.size(dir.resolve(String.format("wal-%020d.log", first))));
        for (int round = 0; round < 4; round++) {
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!java.nio.file.Files.exists(spare) && System.nanoTime() < until) {
                Thread.sleep(5);
            }
            assertTrue(java.nio.file.Files.exists(spare), "a spare segment is made in the background");
            assertEquals(segmentBytes, java.nio.file.Files.size(spare));
            for (int i = 0; i < 250; i++) { // more than a segment of records for each stripe
                used.add(wal.append(paymentWithIncrement()).get(5, TimeUnit.SECONDS));
                appended++;
            }
        }
        assertTrue(used.size() >= 8, "both stripes rotated every round: " + used);
        // A crash: the log is never closed; a new run reads what the old one acknowledged, each record once.
        WriteAheadLog reopened = new WriteAheadLog(dir, segmentBytes, 0, 1, new SimpleMeterRegistry());
        List<WriteAheadLog.Recovered> found = reopened.recover();
        assertEquals(2 * appended, found.size(), "two records (payment, ltv) per acknowledged append");
        assertEquals(appended, found.stream().filter(r -> r.table() == Tables.PAYMENTS)
                .map(r -> r.rows().get(0).eid()).distinct().count());
        wal.drain();
    }

    @Test
    void aStoredSegmentIsDeletedEvenWhenAFailedGroupHadRotatedPastIt() throws Exception {
        // Found in review: a group that rotated to a new segment and then failed left the published segment behind;
        // the old one's last release was refused (it was still current) and nothing deleted it afterwards.
        FullDisk disk = new FullDisk();
        WriteAheadLog wal = new WriteAheadLog(dir, 200, 1, 1, new SimpleMeterRegistry(), disk);
        wal.start();
        long a = wal.append(paymentWithIncrement()).get(5, TimeUnit.SECONDS);
        disk.free.set(20); // the next segment's header fits, the record does not
        assertThrows(ExecutionException.class, () -> wal.append(paymentWithIncrement()).get(5, TimeUnit.SECONDS));
        wal.release(a, 2); // every session stored the first request
        assertTrue(java.nio.file.Files.exists(dir.resolve(String.format("wal-%020d.log", a))), "still current then");
        disk.free.set(Long.MAX_VALUE);
        long b = wal.append(paymentWithIncrement()).get(5, TimeUnit.SECONDS);
        assertTrue(b > a);
        assertTrue(!java.nio.file.Files.exists(dir.resolve(String.format("wal-%020d.log", a))),
                "a fully stored segment below the current one is deleted");
        wal.drain();
    }
}
