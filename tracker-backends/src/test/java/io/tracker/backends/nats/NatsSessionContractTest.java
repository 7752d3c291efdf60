package io.tracker.backends.nats;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nats.client.Connection;
import io.nats.client.JetStreamManagement;
import io.nats.client.Nats;
import io.nats.client.api.MessageInfo;
import io.nats.client.api.StreamInfo;
import io.tracker.backends.SessionContract;
import io.tracker.core.model.Column;
import io.tracker.core.model.Table;
import io.tracker.core.model.Tables;
import io.tracker.core.session.Session;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import io.tracker.core.model.Row;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/** The shared session kit against the real NATS server of {@code scripts/nats.sh}; a stream of its own per test. */
class NatsSessionContractTest extends SessionContract {
    static final String URL = System.getenv().getOrDefault("TRACKER_TEST_NATS", "nats://127.0.0.1:4222");
    private static final ObjectMapper JSON = new ObjectMapper();
    private String stream;

    static NatsSession session(String stream) {
        NatsSettings d = NatsSettings.standard();
        return new NatsSession("nats", new NatsSettings(List.of(URL), stream.toLowerCase(), stream, 1, -1, 1,
                d.duplicateWindowSeconds(), "", "", d.connectTimeoutMillis(), d.publishTimeoutMillis(), d.maxInFlight()));
    }

    @BeforeEach
    void stream() {
        stream = "CONTRACT_" + UUID.randomUUID().toString().replace("-", "").substring(0, 10).toUpperCase();
    }

    @AfterEach
    void drop() throws Exception {
        try (Connection c = Nats.connect(URL)) {
            c.jetStreamManagement().deleteStream(stream);
        } catch (io.nats.client.JetStreamApiException ignored) {
            // never created
        }
    }

    @Override
    protected Session newSession() {
        return session(stream);
    }

    /** Every message of the stream on {@code subject}, in order, as parsed JSON. */
    static List<JsonNode> messages(String stream, String subject) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        try (Connection c = Nats.connect(URL)) {
            JetStreamManagement jsm = c.jetStreamManagement();
            StreamInfo info = jsm.getStreamInfo(stream);
            for (long seq = info.getStreamState().getFirstSequence(); seq <= info.getStreamState().getLastSequence(); seq++) {
                MessageInfo m = jsm.getMessage(stream, seq);
                if (m.getSubject().equals(subject)) {
                    out.add(JSON.readTree(m.getData()));
                }
            }
        }
        return out;
    }

    /** The server's max_payload (1 MiB by default): the client refuses a larger message. */
    @Override
    protected Row poisonRow(UUID eid) {
        return new io.tracker.core.model.RowBuilder(io.tracker.core.model.Tables.EVENTS).eid(eid)
                .set("ename", "poison").set("created_at", 1_700_000_000_000L)
                .set("params", "{\"blob\":\"" + "x".repeat(2 << 20) + "\"}").build();
    }

    @Override
    protected List<UUID> storedEids() throws Exception {
        List<UUID> out = new ArrayList<>();
        for (JsonNode n : messages(stream, stream.toLowerCase() + ".events")) {
            out.add(UUID.fromString(n.get("eid").asText()));
        }
        return out;
    }

    @Override
    protected List<Map<String, Object>> readBack(Table table) throws Exception {
        List<Map<String, Object>> out = new ArrayList<>();
        for (JsonNode n : messages(stream, stream.toLowerCase() + "." + table.name())) {
            Map<String, Object> row = new LinkedHashMap<>();
            for (Column c : table.columns()) {
                JsonNode v = n.get(c.name());
                if (v != null) {
                    row.put(c.name(), c.type() == io.tracker.core.model.ColumnType.UUID ? UUID.fromString(v.asText()) : v.asText());
                }
            }
            out.add(row);
        }
        return out;
    }
}
