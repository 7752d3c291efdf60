package io.tracker.server.consume;

import io.micrometer.core.instrument.MeterRegistry;
import io.tracker.core.batch.BatchManager;
import io.tracker.core.business.ConsumedMessages;
import io.tracker.core.config.ConsumerConfig;

/** A {@code consumers[]} entry at work: messages from NATS or Kafka becoming rows through the batch manager. */
public interface MessageConsumer extends AutoCloseable {

    /** Connects and subscribes (by {@code type}); messages flow from then on. */
    static MessageConsumer start(ConsumerConfig config, BatchManager batches, ConsumedMessages messages,
                                 MeterRegistry registry) throws Exception {
        return config.type().equals("kafka") ? KafkaTopicConsumer.start(config, batches, messages, registry)
                : NatsConsumer.start(config, batches, messages, registry);
    }

    /** Stops taking messages and waits (bounded) for those being handled; no new rows come from it afterwards. */
    @Override
    void close();
}
