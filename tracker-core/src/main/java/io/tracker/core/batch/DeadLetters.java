package io.tracker.core.batch;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tracker.core.model.Column;
import io.tracker.core.model.Row;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.List;

/**
 * Rows a session rejected even on their own: one JSON line each, with the reason, in
 * {@code <dataDir>/deadletter/<session>.jsonl}, fsynced, so nothing rejected disappears silently.
 */
final class DeadLetters {
    private final Path file;
    private final ObjectMapper mapper = new ObjectMapper();

    DeadLetters(Path dir, String session) {
        this.file = dir.resolve(session + ".jsonl");
    }

    void write(String session, Row row, String reason) throws IOException {
        ObjectNode line = mapper.createObjectNode();
        line.put("time", Instant.now().toString());
        line.put("session", session);
        line.put("table", row.table().name());
        line.put("eid", row.eid().toString());
        line.put("reason", reason);
        ObjectNode values = line.putObject("row");
        List<Column> columns = row.table().columns();
        for (int i = 0; i < columns.size(); i++) {
            Object v = row.get(i);
            if (v != null) {
                values.putPOJO(columns.get(i).name(), v instanceof java.util.UUID ? v.toString() : v);
            }
        }
        Files.createDirectories(file.getParent());
        byte[] bytes = (mapper.writeValueAsString(line) + "\n").getBytes(StandardCharsets.UTF_8);
        boolean created = !Files.exists(file);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            long end = ch.size();
            ByteBuffer buf = ByteBuffer.wrap(bytes);
            try {
                long at = end;
                while (buf.hasRemaining()) {
                    at += ch.write(buf, at);
                }
                ch.force(false);
            } catch (IOException e) {
                // A short write on a full disk must not leave half a line in front of the next one.
                try {
                    ch.truncate(end);
                } catch (IOException ignored) {
                    // the caller retries the whole row; a torn last line is skipped by readers of the file
                }
                throw e;
            }
        }
        if (created) {
            SegmentLog.syncDirectory(file.getParent());
        }
    }

    Path file() {
        return file;
    }
}
