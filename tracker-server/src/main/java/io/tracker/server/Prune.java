package io.tracker.server;

import io.tracker.core.config.TrackerConfig;
import io.tracker.core.model.Table;
import io.tracker.core.model.Tables;
import io.tracker.core.session.Session;
import io.tracker.core.session.SessionReader;
import io.tracker.core.session.SessionRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code tracker --prune} (spec §7, fixed: every session that can delete, not only Cassandra): rows older than
 * {@code privacy.retentionDays[table]} (by {@code created_at}) are deleted, and {@code logs} rows and dead-letter files
 * older than {@code privacy.logsRetentionDays}; {@code --logs-only} does only the latter. Run it from cron; it opens the sessions itself,
 * so it works beside a running tracker on ClickHouse (for DuckDB, the file is locked by the running tracker: stop it
 * first, or prune with the tracker stopped).
 */
final class Prune {
    private static final Logger log = LoggerFactory.getLogger(Prune.class);

    private Prune() {
    }

    record Report(Map<String, Map<String, Long>> rows, int files) {
        @Override
        public String toString() {
            return "pruned rows " + rows + ", dead-letter files " + files;
        }
    }

    static Report run(TrackerConfig config, boolean logsOnly) throws Exception {
        Instant now = Instant.now();
        int files = pruneDeadLetters(Path.of(config.storage().dataDir()).resolve("deadletter"),
                now.minus(Duration.ofDays(config.privacy().logsRetentionDays())));
        Map<String, Map<String, Long>> rows = new LinkedHashMap<>();
        Map<String, Integer> retention = new LinkedHashMap<>();
        if (!logsOnly) {
            retention.putAll(config.privacy().retentionDays());
        }
        retention.put(Tables.LOGS.name(), config.privacy().logsRetentionDays()); // spec §7: PruneLogsTTL
        {
            List<Session> sessions = SessionRegistry.fromClassPath().create(config);
            List<Session> opened = new ArrayList<>();
            try {
                for (Session s : sessions) {
                    s.open(Tables.ALL);
                    opened.add(s);
                    SessionReader reader = s.reader().orElse(null);
                    if (reader == null) {
                        log.atWarn().addKeyValue("session", s.name()).log("session cannot delete; not pruned");
                        continue;
                    }
                    Map<String, Long> counts = new LinkedHashMap<>();
                    for (var e : retention.entrySet()) {
                        Table t = Tables.byName(e.getKey()).orElseThrow(() ->
                                new IllegalArgumentException("privacy.retentionDays: no table " + e.getKey()));
                        counts.put(t.name(), reader.deleteBefore(t, "created_at", now.minus(Duration.ofDays(e.getValue()))));
                    }
                    rows.put(s.name(), counts);
                }
            } finally {
                for (Session s : opened) {
                    s.close();
                }
            }
        }
        log.atInfo().addKeyValue("rows", rows).addKeyValue("files", files).log("pruned");
        return new Report(rows, files);
    }

    private static int pruneDeadLetters(Path dir, Instant cutoff) throws IOException {
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        int n = 0;
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.toList()) {
                if (Files.isRegularFile(f) && Files.getLastModifiedTime(f).toInstant().isBefore(cutoff)) {
                    Files.delete(f);
                    n++;
                }
            }
        }
        return n;
    }
}
