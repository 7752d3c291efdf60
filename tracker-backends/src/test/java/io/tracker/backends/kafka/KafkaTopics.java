package io.tracker.backends.kafka;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/** Test access to the broker of {@code scripts/kafka.sh}: an admin client, a topic read to its end, clean-up. */
public final class KafkaTopics {
    public static final String SERVERS = System.getenv().getOrDefault("TRACKER_TEST_KAFKA", "127.0.0.1:9092");

    private KafkaTopics() {
    }

    public static Admin admin() {
        Properties p = new Properties();
        p.put("bootstrap.servers", SERVERS);
        return Admin.create(p);
    }

    /** Deletes every topic whose name starts with {@code prefix}. */
    public static void deleteTopics(String prefix) throws Exception {
        try (Admin a = admin()) {
            Set<String> mine = new HashSet<>();
            for (String t : a.listTopics().names().get(30, TimeUnit.SECONDS)) {
                if (t.startsWith(prefix)) {
                    mine.add(t);
                }
            }
            a.deleteTopics(mine).all().get(30, TimeUnit.SECONDS);
        }
    }

    /** Every record of {@code topic} from its beginning to its end offsets now: key and value. */
    public static List<ConsumerRecord<byte[], byte[]>> records(String topic) {
        Properties p = new Properties();
        p.put("bootstrap.servers", SERVERS);
        p.put("enable.auto.commit", "false");
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> parts = new ArrayList<>();
            for (PartitionInfo pi : c.partitionsFor(topic)) {
                parts.add(new TopicPartition(topic, pi.partition()));
            }
            Map<TopicPartition, Long> end = c.endOffsets(parts);
            c.assign(parts);
            c.seekToBeginning(parts);
            Set<TopicPartition> pending = new HashSet<>(parts);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (System.nanoTime() < deadline) {
                pending.removeIf(tp -> c.position(tp) >= end.get(tp));
                if (pending.isEmpty()) {
                    break;
                }
                c.poll(Duration.ofMillis(200)).forEach(out::add);
            }
            assertTrue(pending.isEmpty(), "read " + topic + " to its end");
        }
        return out;
    }
}
