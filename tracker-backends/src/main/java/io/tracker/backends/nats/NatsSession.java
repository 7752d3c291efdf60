package io.tracker.backends.nats;

import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.nats.client.PublishOptions;
import io.nats.client.api.PublishAck;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import io.nats.client.impl.NatsMessage;
import io.tracker.core.model.Row;
import io.tracker.core.model.Table;
import io.tracker.core.session.Session;
import io.tracker.core.session.SessionException;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * NATS JetStream: each row is one JSON message on {@code <subjectPrefix>.<table>}, published asynchronously with
 * {@code Nats-Msg-Id = <table>:<eid>} so the server drops a replay within the duplicate window; a batch returns once
 * JetStream acknowledged every message (stored in the stream). The stream is created when missing. A write-only
 * session: it serves no reads (consumers downstream replay the stream).
 */
public final class NatsSession implements Session {
    private static final Logger log = LoggerFactory.getLogger(NatsSession.class);

    private final String name;
    private final NatsSettings settings;
    private final Map<String, Table> tables = new HashMap<>();
    private volatile Connection connection;
    private JetStream js;
    private volatile boolean healthy;

    public NatsSession(String name, NatsSettings settings) {
        this.name = name;
        this.settings = settings;
    }

    @Override
    public String name() {
        return name;
    }

    public String subject(Table t) {
        return settings.subjectPrefix() + "." + t.name();
    }

    @Override
    public void open(List<Table> opened) throws SessionException {
        try {
            if (connection == null) {
                Options.Builder o = new Options.Builder().servers(settings.servers().toArray(String[]::new))
                        .connectionTimeout(Duration.ofMillis(settings.connectTimeoutMillis()))
                        .maxReconnects(-1)
                        .reconnectBufferSize(0) // while disconnected a publish fails at once: the batch is retried or spooled
                        .connectionName("tracker-" + name);
                if (!settings.user().isEmpty()) {
                    o.userInfo(settings.user(), settings.password());
                }
                connection = Nats.connect(o.build());
            }
            ensureStream(connection.jetStreamManagement());
            js = connection.jetStream();
            opened.forEach(t -> tables.put(t.name(), t));
            healthy = true;
            log.atInfo().addKeyValue("session", name).addKeyValue("servers", settings.servers())
                    .addKeyValue("stream", settings.stream()).log("nats open");
        } catch (IOException | JetStreamApiException | RuntimeException e) {
            healthy = false;
            throw io.tracker.backends.Failures.classify("session " + name + ": cannot open NATS at " + settings.servers()
                    + ": " + e.getMessage(), e, t -> false, t -> t instanceof IOException
                    && !String.valueOf(t.getMessage()).toLowerCase(java.util.Locale.ROOT).contains("authoriz"));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SessionException("session " + name + ": interrupted while connecting", e);
        }
    }

    private void ensureStream(JetStreamManagement jsm) throws IOException, JetStreamApiException {
        try {
            jsm.getStreamInfo(settings.stream());
        } catch (JetStreamApiException e) {
            if (e.getErrorCode() != 404) {
                throw e;
            }
            StreamConfiguration.Builder c = StreamConfiguration.builder().name(settings.stream())
                    .subjects(settings.subjectPrefix() + ".>").storageType(StorageType.File)
                    .replicas(settings.replicas()).maxBytes(settings.maxBytes())
                    .duplicateWindow(Duration.ofSeconds(settings.duplicateWindowSeconds()));
            if (settings.maxAgeHours() > 0) {
                c.maxAge(Duration.ofHours(settings.maxAgeHours()));
            }
            jsm.addStream(c.build());
            log.atInfo().addKeyValue("stream", settings.stream()).log("nats stream created");
        }
    }

    @Override
    public void write(Table table, List<Row> rows) throws SessionException {
        Table known = tables.get(table.name());
        if (js == null || known == null) {
            throw io.tracker.backends.Failures.notOpen("session " + name + ": not open for table " + table.name());
        }
        if (!known.columns().equals(table.columns())) { // what a database's schema check would refuse
            throw SessionException.rejected("session " + name + ", table " + table.name()
                    + ": rows do not match the table's columns", null);
        }
        String subject = subject(table);
        Semaphore inFlight = new Semaphore(settings.maxInFlight());
        List<CompletableFuture<PublishAck>> acks = new ArrayList<>(rows.size());
        try {
            for (Row r : rows) {
                byte[] body = io.tracker.core.model.RowJson.encode(table, r);
                PublishOptions po = PublishOptions.builder().messageId(table.name() + ":" + r.eid())
                        .expectedStream(settings.stream()).build();
                if (!inFlight.tryAcquire(settings.publishTimeoutMillis(), TimeUnit.MILLISECONDS)) {
                    throw new TimeoutException("no acknowledgement slot within the publish timeout");
                }
                acks.add(js.publishAsync(NatsMessage.builder().subject(subject).data(body).build(), po)
                        .whenComplete((a, e) -> inFlight.release()));
            }
            CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new))
                    .get(settings.publishTimeoutMillis(), TimeUnit.MILLISECONDS);
            healthy = true;
        } catch (ExecutionException e) {
            throw failure(table, rows, e.getCause() == null ? e : e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw failure(table, rows, e);
        } catch (TimeoutException | RuntimeException e) {
            throw failure(table, rows, e);
        }
    }

    private SessionException failure(Table table, List<Row> rows, Throwable e) {
        SessionException f = io.tracker.backends.Failures.classify("session " + name + ", table " + table.name()
                + ": publish of " + rows.size() + " rows failed: "
                + (e instanceof TimeoutException ? "timed out" : e.getMessage()), e,
                t -> t instanceof IllegalArgumentException, // the client refuses the message (larger than max_payload)
                t -> t instanceof IOException || t instanceof IllegalStateException); // disconnected, no responders
        healthy = f.kind() != SessionException.Kind.UNAVAILABLE;
        return f;
    }

    /**
     * The stream's retained {@code events} messages from {@code from} on (JetStream's own time of each message; an
     * event is published after it is stamped, so none of the range is before), through an ordered consumer (no state
     * left on the server), until none is pending; the messages whose {@code created_at} is in range become rows again.
     */
    @Override
    public boolean replayEvents(Instant from, Instant to, List<String> enames, int pageSize, EventPages pages)
            throws SessionException {
        Table events = io.tracker.core.model.Tables.EVENTS;
        Connection c = connection;
        if (c == null) {
            throw io.tracker.backends.Failures.notOpen("session " + name + ": not open");
        }
        try {
            io.nats.client.JetStreamSubscription sub = c.jetStream().subscribe(subject(events),
                    io.nats.client.PushSubscribeOptions.builder().stream(settings.stream()).ordered(true)
                            .configuration(io.nats.client.api.ConsumerConfiguration.builder()
                                    .deliverPolicy(io.nats.client.api.DeliverPolicy.ByStartTime)
                                    .startTime(from.atZone(java.time.ZoneOffset.UTC)).build()).build());
            try {
                List<Row> page = new ArrayList<>(pageSize);
                while (true) {
                    io.nats.client.Message m = sub.nextMessage(Duration.ofSeconds(2));
                    if (m == null) {
                        break; // nothing more within the wait: the end of what the stream holds
                    }
                    Row r = io.tracker.core.model.RowJson.decode(events, m.getData());
                    long at = r.get("created_at") instanceof Long l ? l : Long.MIN_VALUE;
                    if (at >= from.toEpochMilli() && at < to.toEpochMilli()
                            && (enames.isEmpty() || enames.contains(r.get("ename")))) {
                        page.add(r);
                    }
                    if (page.size() >= pageSize) {
                        pages.accept(page);
                        page = new ArrayList<>(pageSize);
                    }
                    if (m.isJetStream() && m.metaData().pendingCount() == 0) {
                        break;
                    }
                }
                if (!page.isEmpty()) {
                    pages.accept(page);
                }
            } finally {
                sub.unsubscribe();
            }
            return true;
        } catch (SessionException e) {
            throw e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SessionException("session " + name + ": interrupted", e);
        } catch (Exception e) {
            throw new SessionException("session " + name + ": replay from the stream failed: " + e.getMessage(), e);
        }
    }

    @Override
    public boolean isHealthy() {
        return healthy && connection != null && connection.getStatus() == Connection.Status.CONNECTED;
    }

    /** A PING round trip (the server answers PONG); JetStream's own trouble shows as write failures. */
    @Override
    public boolean probe() {
        Connection c = connection;
        try {
            return c != null && c.getStatus() == Connection.Status.CONNECTED && c.RTT().toMillis() < 2_000;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    @Override
    public void close() throws SessionException {
        Connection c = connection;
        connection = null;
        js = null;
        healthy = false;
        if (c != null) {
            try {
                c.close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
