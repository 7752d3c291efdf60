package io.tracker.core.business;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tracker.core.model.Row;
import io.tracker.core.model.RowBuilder;
import io.tracker.core.model.Tables;
import io.tracker.core.pipeline.BadRequestException;
import io.tracker.core.pipeline.EventIds;
import io.tracker.core.privacy.IpAnonymizer;
import java.io.IOException;

/**
 * Messages consumed from NATS turned into rows (spec §17): {@code count} → {@code counts} ({@code id}, else the
 * subject; {@code total} 1 unless an integer is given), {@code update} → {@code updates} ({@code id} required;
 * {@code updated} in epoch ms, else now; {@code msg}), {@code log} → {@code logs} ({@code topic} or {@code id},
 * {@code ltimenss} in ns, {@code level}, {@code msg}, {@code params}, …; the IP stored as {@code privacy.ipMode}
 * allows), and (Kafka) {@code event} → {@code events} (an events row in the stream sessions' JSON, {@code ename}
 * required, stored as given). A message that is not a JSON object, or misses what its kind needs, is refused with a
 * reason.
 */
public final class ConsumedMessages {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final EventIds ids;
    private final IpAnonymizer ips;

    public ConsumedMessages(EventIds ids, IpAnonymizer ips) {
        this.ids = ids;
        this.ips = ips;
    }

    public Row row(String kind, String subject, byte[] data, long now) throws BadRequestException {
        return row(kind, subject, data, now, ids.next());
    }

    /**
     * As {@link #row(String, String, byte[], long)} with the row's id and time given: a redelivered JetStream message
     * keeps both (derived from its stream sequence and timestamp), so the sessions' replay check recognises it.
     */
    public Row row(String kind, String subject, byte[] data, long now, java.util.UUID eid) throws BadRequestException {
        ObjectNode m = Payload.object(data);
        return switch (kind) {
            case "count" -> {
                String id = Payload.text(m, "id");
                Long total = Payload.integer(m, "total");
                yield new RowBuilder(Tables.COUNTS).eid(eid).set("id", id != null ? id : subject)
                        .set("total", total != null ? total : 1L).set("created_at", now).build();
            }
            case "update" -> {
                String id = Payload.text(m, "id");
                if (id == null) {
                    throw new BadRequestException("bad_field", "id: an update needs the id it updates");
                }
                Long updated = Payload.integer(m, "updated");
                yield new RowBuilder(Tables.UPDATES).eid(eid).set("id", id).set("msg", text(m.get("msg")))
                        .set("created_at", now).set("updated_at", updated != null ? updated : now).build();
            }
            case "log" -> {
                String topic = Payload.text(m, "topic");
                String ip = Payload.text(m, "ip");
                Long ltime = Payload.integer(m, "ltimenss");
                Long level = Payload.integer(m, "level");
                JsonNode params = m.get("params");
                if (params != null && !params.isNull() && !params.isObject()) {
                    throw new BadRequestException("bad_field", "params: must be an object");
                }
                yield new RowBuilder(Tables.LOGS).eid(eid).set("created_at", now)
                        .set("ltime", ltime != null ? ltime : now * 1_000_000L)
                        .set("topic", topic != null ? topic : Payload.text(m, "id"))
                        .set("name", Payload.text(m, "name")).set("host", Payload.text(m, "host"))
                        .set("hostname", Payload.text(m, "hostname")).set("owner", Payload.uuid(m, "owner"))
                        .set("oid", Payload.uuid(m, "oid")).set("org", Payload.text(m, "org"))
                        .set("ip", ips.apply(ip)).set("iphash", ips.iphash(ip))
                        .set("level", level == null ? null : (int) Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, level)))
                        .set("msg", text(m.get("msg"))).set("params", params == null || params.isNull() ? null : write(params))
                        .build();
            }
            case "event" -> {
                // An events row as the stream sessions write it (RowJson): another tracker's events topic, or an
                // application writing that shape. Stored as given; its own eid and created_at are kept when present.
                if (!m.hasNonNull("eid")) {
                    m.put("eid", eid.toString());
                }
                if (!m.hasNonNull("created_at")) {
                    m.put("created_at", now);
                }
                if (Payload.text(m, "ename") == null) {
                    throw new BadRequestException("bad_field", "ename: an event needs its name");
                }
                // An address is stored only as privacy.ipMode allows: an IP literal is anonymized here (one another
                // tracker truncated stays as it was); anything else in ip (a port, a foreign hash) is dropped unless
                // the mode keeps IPs raw; drop mode keeps no IP hash either.
                if (m.has("ip")) {
                    String ip = m.get("ip").isTextual() ? m.get("ip").asText().trim() : null;
                    if (ip != null && io.tracker.core.config.Cidr.literal(ip) != null) {
                        String kept = ips.apply(ip);
                        if (kept == null) {
                            m.remove("ip");
                        } else {
                            m.put("ip", kept);
                        }
                        if (!m.hasNonNull("iphash") && ips.iphash(ip) != null) {
                            m.put("iphash", ips.iphash(ip));
                        }
                    } else if (ips.mode() != io.tracker.core.privacy.IpAnonymizer.Mode.NONE) {
                        m.remove("ip");
                    }
                    if (ips.mode() == io.tracker.core.privacy.IpAnonymizer.Mode.DROP) {
                        m.remove("iphash");
                    }
                }
                if (m.get("params") instanceof ObjectNode p) {
                    io.tracker.core.pipeline.steps.PiiHashStep.keepOnlyHashes(p); // raw em/ph never stored
                }
                try {
                    yield io.tracker.core.model.RowJson.decode(Tables.EVENTS, m);
                } catch (IllegalArgumentException e) {
                    throw new BadRequestException("bad_field", e.getMessage());
                }
            }
            default -> throw new IllegalArgumentException("kind " + kind);
        };
    }

    private static String text(JsonNode n) {
        if (n == null || n.isNull()) {
            return null;
        }
        return n.isTextual() ? n.asText() : write(n);
    }

    private static String write(JsonNode n) {
        try {
            return JSON.writeValueAsString(n);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
