package io.tracker.core.batch;

import io.tracker.core.model.Row;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Data subjects erased through the API, kept in {@code <dataDir>/erasures.log} (one fsynced line per erasure). A row
 * of such a subject created before its erasure is never delivered afterwards — not from a queue, not from a spool
 * replayed after an outage, not from the write-ahead log after a crash — so an erasure also reaches rows that were
 * in flight when it was made. Rows created later (the visitor came back) are new data and pass.
 */
public final class Erasures {
    private static final String[] SUBJECT_COLUMNS = {"vid", "uid", "id"};

    private final Path file;
    private final Map<UUID, Long> erasedAt = new ConcurrentHashMap<>();

    Erasures(Path dataDir) throws IOException {
        this.file = dataDir.resolve("erasures.log");
        if (Files.exists(file)) {
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                String[] p = line.trim().split(" ");
                if (p.length == 2) {
                    try {
                        erasedAt.merge(UUID.fromString(p[0]), Long.parseLong(p[1]), Math::max);
                    } catch (IllegalArgumentException ignored) {
                        // a torn last line after a crash: the erasure was not acknowledged
                    }
                }
            }
        }
    }

    /** Records that {@code subject} (a vid or uid) was erased at {@code atMillis}; durable when this returns. */
    synchronized void record(UUID subject, long atMillis) throws IOException {
        Files.createDirectories(file.getParent());
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND)) {
            ch.write(ByteBuffer.wrap((subject + " " + atMillis + "\n").getBytes(StandardCharsets.UTF_8)));
            ch.force(true);
        }
        erasedAt.merge(subject, atMillis, Math::max);
    }

    /** {@code rows} without those of an erased subject created before its erasure. */
    List<Row> filter(List<Row> rows) {
        if (erasedAt.isEmpty() || rows.isEmpty()) {
            return rows;
        }
        List<Row> out = null;
        for (int i = 0; i < rows.size(); i++) {
            Row r = rows.get(i);
            if (erased(r)) {
                if (out == null) {
                    out = new ArrayList<>(rows.subList(0, i));
                }
            } else if (out != null) {
                out.add(r);
            }
        }
        return out == null ? rows : out;
    }

    private boolean erased(Row r) {
        int created = r.table().indexOf("created_at");
        long at = created >= 0 && r.get(created) instanceof Long l ? l : Long.MIN_VALUE;
        for (String c : SUBJECT_COLUMNS) {
            int i = r.table().indexOf(c);
            if (i >= 0 && r.get(i) instanceof UUID id) {
                Long when = erasedAt.get(id);
                if (when != null && at <= when) {
                    return true;
                }
            }
        }
        return false;
    }
}
