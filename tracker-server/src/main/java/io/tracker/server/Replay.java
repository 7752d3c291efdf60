package io.tracker.server;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tracker.core.batch.BatchManager;
import io.tracker.core.config.TrackerConfig;
import io.tracker.core.model.Row;
import io.tracker.core.model.RowBuilder;
import io.tracker.core.model.Tables;
import io.tracker.core.query.Analytics;
import io.tracker.core.query.QueryPlanner;
import io.tracker.core.session.Session;
import io.tracker.core.session.SessionException;
import io.tracker.core.session.SessionRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * {@code tracker replay}: re-delivers the stored events of one session (a SQL store, or the messages a NATS JetStream
 * stream retains) into another through a batch manager of its
 * own (its write-ahead log in a scratch directory), every batch marked "may repeat", so a session that already holds
 * an event id skips it: running a replay twice, or over a range partly copied, stores each event once. E.g. backfilling
 * a new ClickHouse from DuckDB. A DuckDB session is a file one process holds: stop the tracker first.
 */
final class Replay {
    private static final int PAGE = 10_000;

    private Replay() {
    }

    /** The events delivered. */
    static long run(TrackerConfig config, String fromName, String toName, Instant from, Instant to, List<String> enames)
            throws Exception {
        if (fromName.equals(toName)) {
            throw new IllegalArgumentException("--from-session and --to-session name the same session");
        }
        List<Session> sessions = SessionRegistry.fromClassPath().create(config);
        Session source = named(sessions, fromName);
        Session target = named(sessions, toName);
        source.open(Tables.ALL);
        Path scratch = Files.createTempDirectory(Path.of(config.storage().dataDir()).toAbsolutePath(), "replay-");
        BatchManager batches = null;
        long delivered = 0;
        boolean keep = false; // a failed replay leaves its scratch WAL and spool: nothing offered is deleted
        try {
            // sync: a batch counts once the target holds it (not once it is in the scratch WAL, deleted at the end)
            batches = new BatchManager(List.of(target), List.of(Tables.EVENTS), config.batching().withDurability("sync"),
                    scratch, new SimpleMeterRegistry());
            batches.start();
            batches.awaitOpen(Duration.ofSeconds(config.server().startupWaitSeconds()));
            BatchManager manager = batches;
            long[] streamed = {0};
            if (source.replayEvents(from, to, enames, PAGE, page -> {
                manager.enqueue(page, true).get(); // stored in the target before the next page is read
                streamed[0] += page.size();
            })) {
                delivered = streamed[0];
            } else {
                delivered = fromStore(source, batches, from, to, enames);
            }
            for (BatchManager.SessionStatus st : batches.status()) {
                if (st.spoolBytes() > 0 || st.queuedRows() > 0 || st.deadLetters() > 0 || st.rowsLost() > 0) {
                    keep = true;
                    throw new SessionException("session " + toName + " did not take every event (spooled "
                            + st.spoolBytes() + " bytes, dead letters " + st.deadLetters() + ", last error "
                            + st.lastError() + "): the undelivered rows are kept in " + scratch + "; run again");
                }
            }
        } catch (Exception e) {
            keep = true;
            throw e;
        } finally {
            if (batches != null) {
                batches.close(Duration.ofSeconds(config.server().shutdownTimeoutSeconds()));
            }
            source.close();
            if (!keep) {
                deleteQuietly(scratch);
            }
        }
        return delivered;
    }

    /** Pages of a SQL store's events, newest first, each stored in the target before the next is read. */
    private static long fromStore(Session source, BatchManager batches, Instant from, Instant to, List<String> enames)
            throws Exception {
        Analytics analytics = source.analytics().orElseThrow(() -> new SessionException("session " + source.name()
                + " cannot be read for a replay (DuckDB, ClickHouse and NATS JetStream can)"));
        long delivered = 0;
        QueryPlanner.Cursor after = null;
        do {
            Analytics.Page page = analytics.scan(from.toEpochMilli(), to.toEpochMilli(), enames, after, PAGE);
            List<Row> rows = new ArrayList<>(page.rows().size());
            for (Map<String, Object> r : page.rows()) {
                RowBuilder b = new RowBuilder(Tables.EVENTS).eid((UUID) r.get("eid"));
                r.forEach(b::set);
                rows.add(b.build());
            }
            if (!rows.isEmpty()) {
                batches.enqueue(rows, true).get();
                delivered += rows.size();
            }
            after = page.next();
        } while (after != null);
        return delivered;
    }

    static Session named(List<Session> sessions, String name) {
        return sessions.stream().filter(s -> s.name().equals(name)).findFirst().orElseThrow(() ->
                new IllegalArgumentException("no session named '" + name + "' in the configuration (sessions[].name)"));
    }

    private static void deleteQuietly(Path dir) {
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (Exception ignored) {
            // a scratch directory left behind holds nothing that was not delivered
        }
    }
}
