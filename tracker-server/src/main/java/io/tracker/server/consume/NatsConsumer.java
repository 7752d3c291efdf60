package io.tracker.server.consume;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.JetStreamApiException;
import io.nats.client.PushSubscribeOptions;
import io.nats.client.api.AckPolicy;
import io.nats.client.api.ConsumerConfiguration;
import io.nats.client.Message;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.tracker.core.batch.BatchManager;
import io.tracker.core.batch.QueueFullException;
import io.tracker.core.business.ConsumedMessages;
import io.tracker.core.config.ConsumerConfig;
import io.tracker.core.pipeline.BadRequestException;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The consumer side of spec §17: a NATS queue subscription (core NATS, queue group {@code queue}, so tracker nodes
 * share the messages) whose {@code count}/{@code update}/{@code log} messages become rows through the batch manager,
 * i.e. go to every session like any other row. Without {@code durable} it is core NATS, at-most-once (a message that
 * arrives while the tracker is down or refusing is not redelivered; refusals are counted, never silent); with it, a
 * JetStream durable consumer acknowledged only once the row is safe, so messages wait in the stream instead.
 */
public final class NatsConsumer implements MessageConsumer {
    private static final Logger log = LoggerFactory.getLogger(NatsConsumer.class);

    private final ConsumerConfig config;
    private final Connection connection;
    private final Counter stored;
    private final Counter invalid;
    private final Counter refused;

    private final ConsumedMessages messages;
    private final BatchManager batches;

    private NatsConsumer(ConsumerConfig config, Connection connection, BatchManager batches, ConsumedMessages messages,
                         MeterRegistry registry) {
        this.batches = batches;
        this.messages = messages;
        this.config = config;
        this.connection = connection;
        List<String> tags = List.of("kind", config.kind(), "subject", config.subject());
        this.stored = counter(registry, tags, "queued");
        this.invalid = counter(registry, tags, "invalid");
        this.refused = counter(registry, tags, "refused");
    }

    private static Counter counter(MeterRegistry registry, List<String> tags, String outcome) {
        return Counter.builder("tracker.consumed").description("messages consumed from NATS, by outcome")
                .tags(tags.get(0), tags.get(1), tags.get(2), tags.get(3), "outcome", outcome).register(registry);
    }

    /** Connects and subscribes; messages flow from then on. */
    public static NatsConsumer start(ConsumerConfig config, BatchManager batches, ConsumedMessages messages,
                                     MeterRegistry registry) throws IOException, InterruptedException {
        Connection c = Nats.connect(new Options.Builder().servers(config.servers().toArray(String[]::new))
                .connectionTimeout(Duration.ofSeconds(5)).maxReconnects(-1)
                .connectionName("tracker-consumer-" + config.kind()).build());
        NatsConsumer consumer = new NatsConsumer(config, c, batches, messages, registry);
        Dispatcher d = c.createDispatcher();
        if (config.durable().isEmpty()) {
            d.subscribe(config.subject(), config.queue(), consumer::onMessage);
        } else {
            try {
                PushSubscribeOptions o = PushSubscribeOptions.builder().durable(config.durable())
                        .deliverGroup(config.queue()).configuration(ConsumerConfiguration.builder()
                                .ackPolicy(AckPolicy.Explicit).ackWait(Duration.ofSeconds(30)).build()).build();
                c.jetStream().subscribe(config.subject(), config.queue(), d, consumer::onDurable, false, o);
            } catch (JetStreamApiException | IllegalArgumentException | IllegalStateException e) {
                c.close();
                throw new IOException("consumer " + config.subject() + ": cannot create the durable consumer '"
                        + config.durable() + "' (is the subject in a JetStream stream?): " + e.getMessage(), e);
            }
        }
        log.atInfo().addKeyValue("subject", config.subject()).addKeyValue("kind", config.kind())
                .addKeyValue("queue", config.queue()).log("nats consumer subscribed");
        return consumer;
    }

    private void onMessage(Message m) {
        try {
            batches.enqueue(List.of(messages.row(config.kind(), m.getSubject(), m.getData(), System.currentTimeMillis())));
            stored.increment();
        } catch (BadRequestException e) {
            invalid.increment();
            log.atDebug().addKeyValue("subject", m.getSubject()).addKeyValue("reason", e.getMessage()).log("message skipped");
        } catch (QueueFullException e) {
            refused.increment();
            log.atWarn().addKeyValue("subject", m.getSubject()).addKeyValue("reason", e.getMessage())
                    .log("message refused: the tracker is at its limits or stopping");
        }
    }

    /**
     * A JetStream message: acknowledged once its row is as safe as the table's durability promises; refused rows
     * are redelivered a second later; a message that can never become a row is terminated (not redelivered).
     */
    private void onDurable(Message m) {
        try {
            // The row's id and time come from the message's place in the stream: a redelivery (after a crash between
            // storing and acknowledging) builds the same row, marked mayRepeat, and the sessions skip it.
            var meta = m.metaData();
            java.util.UUID eid = java.util.UUID.nameUUIDFromBytes((meta.getStream() + ":" + meta.streamSequence())
                    .getBytes(java.nio.charset.StandardCharsets.UTF_8));
            long at = meta.timestamp().toInstant().toEpochMilli();
            batches.enqueue(List.of(messages.row(config.kind(), m.getSubject(), m.getData(), at, eid)),
                            meta.deliveredCount() > 1)
                    .whenComplete((v, e) -> {
                        if (e == null) {
                            stored.increment();
                            m.ack();
                        } else {
                            refused.increment();
                            m.nakWithDelay(Duration.ofSeconds(1));
                        }
                    });
        } catch (BadRequestException e) {
            invalid.increment();
            m.term();
        } catch (QueueFullException e) {
            refused.increment();
            m.nakWithDelay(Duration.ofSeconds(1));
        }
    }

    /** Unsubscribes and waits (bounded) for messages being handled. */
    @Override
    public void close() {
        try {
            connection.drain(Duration.ofSeconds(5)).get(10, java.util.concurrent.TimeUnit.SECONDS);
        } catch (Exception e) {
            log.atWarn().setCause(e).log("nats consumer drain failed");
        }
        try {
            connection.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
