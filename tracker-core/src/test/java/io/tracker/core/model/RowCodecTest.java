package io.tracker.core.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Records of the WAL and spool survive an upgrade that appends columns. */
class RowCodecTest {
    private static final Table OLD_EVENTS = new Table("events", Tables.EVENTS.columns().subList(0, 61));

    private static Row row(Table t, UUID eid) {
        return new RowBuilder(t).eid(eid).set("created_at", 1_700_000_000_000L).set("ename", "pv")
                .set("vp_h", 900L).build();
    }

    /** What encode wrote before it had its own buffer (DataOutputStream): the format on disk must not change. */
    private static byte[] reference(Table table, List<Row> rows) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeUTF(table.name() + "#" + table.width());
            out.writeInt(rows.size());
            for (Row row : rows) {
                for (int i = 0; i < table.width(); i++) {
                    Object v = row.get(i);
                    out.writeByte(v == null ? 0 : 1);
                    if (v == null) {
                        continue;
                    }
                    switch (table.columns().get(i).type()) {
                        case UUID -> {
                            out.writeLong(((UUID) v).getMostSignificantBits());
                            out.writeLong(((UUID) v).getLeastSignificantBits());
                        }
                        case STRING, JSON -> {
                            byte[] b = ((String) v).getBytes(java.nio.charset.StandardCharsets.UTF_8);
                            out.writeInt(b.length);
                            out.write(b);
                        }
                        case INT64, TIMESTAMP -> out.writeLong((Long) v);
                        case INT32 -> out.writeInt((Integer) v);
                        case FLOAT64 -> out.writeDouble((Double) v);
                        case DECIMAL -> out.writeUTF(((java.math.BigDecimal) v).toPlainString());
                        case BOOLEAN -> out.writeBoolean((Boolean) v);
                        case STRINGS -> {
                            out.writeInt(((List<?>) v).size());
                            for (Object o : (List<?>) v) {
                                byte[] b = ((String) o).getBytes(java.nio.charset.StandardCharsets.UTF_8);
                                out.writeInt(b.length);
                                out.write(b);
                            }
                        }
                        case UUIDS -> {
                            out.writeInt(((List<?>) v).size());
                            for (Object o : (List<?>) v) {
                                out.writeLong(((UUID) o).getMostSignificantBits());
                                out.writeLong(((UUID) o).getLeastSignificantBits());
                            }
                        }
                    }
                }
            }
        }
        return bytes.toByteArray();
    }

    @Test
    void theBytesAreThoseDataOutputStreamWroteForEveryTypeAndAnyText() throws Exception {
        java.util.Random random = new java.util.Random(42);
        String[] texts = {"", "page_view", "caf\u00e9 \u20ac", "\ud83d\ude00 emoji", "unpaired \ud800 high", "low \udc00",
                "x".repeat(5000), "\u00ff\u0100", "{\"a\":[1,2]}"};
        for (Table t : List.of(Tables.EVENTS, Tables.byName("mthreads").orElseThrow(), Tables.byName("payments").orElseThrow())) {
            List<Row> rows = new java.util.ArrayList<>();
            for (int r = 0; r < 40; r++) {
                RowBuilder b = new RowBuilder(t).eid(new UUID(random.nextLong(), random.nextLong()));
                for (int i = 0; i < t.width(); i++) {
                    Column c = t.columns().get(i);
                    if (c.name().equals("eid") || random.nextInt(4) == 0) {
                        continue;
                    }
                    String text = texts[random.nextInt(texts.length)];
                    Object v = switch (c.type()) {
                        case UUID -> new UUID(random.nextLong(), random.nextLong());
                        case STRING, JSON -> text;
                        case INT64, TIMESTAMP -> random.nextLong();
                        case INT32 -> random.nextInt();
                        case FLOAT64 -> random.nextGaussian() * 1e6;
                        case DECIMAL -> java.math.BigDecimal.valueOf(random.nextInt(), ColumnType.DECIMAL_SCALE);
                        case BOOLEAN -> random.nextBoolean();
                        case STRINGS -> List.of(text, texts[random.nextInt(texts.length)]);
                        case UUIDS -> List.of(new UUID(random.nextLong(), 1), new UUID(2, random.nextLong()));
                    };
                    b.set(i, v);
                }
                rows.add(b.build());
            }
            org.junit.jupiter.api.Assertions.assertArrayEquals(reference(t, rows), RowCodec.encode(t, rows), t.name());
            byte[] record = RowCodec.encode(t, rows);
            assertThrows(IOException.class, () -> RowCodec.decode(java.util.Arrays.copyOf(record, record.length - 1),
                    n -> Tables.byName(n).orElse(null)), "a record cut short");
            org.junit.jupiter.api.Assertions.assertArrayEquals(reference(t, rows.subList(0, 1)),
                    RowCodec.encode(t, rows.subList(0, 1)), t.name() + ", a second record from the reused buffer");
        }
    }

    @Test
    void aRoundTripKeepsEveryTypeIncludingBoolean() throws Exception {
        UUID eid = UUID.randomUUID();
        Row r = new RowBuilder(Tables.EVENTS).eid(eid).set("created_at", 1L).set("is_bot", true)
                .set("bot_reason", "ua:robot").set("ver", 3).set("lat", 1.5).build();
        Row back = RowCodec.decode(RowCodec.encode(Tables.EVENTS, List.of(r)), n -> Tables.byName(n).orElse(null))
                .rows().get(0);
        assertEquals(Boolean.TRUE, back.get(Tables.EVENTS.indexOf("is_bot")));
        assertEquals("ua:robot", back.get(Tables.EVENTS.indexOf("bot_reason")));
        assertEquals(3, back.get(Tables.EVENTS.indexOf("ver")));
        assertEquals(eid, back.eid());
    }

    @Test
    void aRecordOfTheOldWidthDecodesWithTheNewColumnsNull() throws Exception {
        UUID a = UUID.randomUUID();
        UUID b = UUID.randomUUID();
        byte[] written = RowCodec.encode(OLD_EVENTS, List.of(row(OLD_EVENTS, a), row(OLD_EVENTS, b))); // "events#61"
        for (byte[] record : List.of(written, legacy(written))) {
            RowCodec.Batch batch = RowCodec.decode(record, n -> Tables.byName(n).orElse(null));
            assertEquals(Tables.EVENTS, batch.table());
            assertEquals(2, batch.rows().size());
            assertEquals(b, batch.rows().get(1).eid(), "the second row starts where the first ended");
            assertEquals(900L, batch.rows().get(1).get(Tables.EVENTS.indexOf("vp_h")));
            assertNull(batch.rows().get(1).get(Tables.EVENTS.indexOf("channel")));
            assertEquals(Tables.EVENTS, batch.rows().get(0).table());
        }
    }

    @Test
    void aRecordWiderThanThisVersionIsRefused() throws Exception {
        Table wider = new Table("events", new java.util.ArrayList<>(Tables.EVENTS.columns()) {{
            add(Column.of("future", ColumnType.STRING));
        }});
        byte[] record = RowCodec.encode(wider, List.of(row(wider, UUID.randomUUID())));
        assertThrows(IOException.class, () -> RowCodec.decode(record, n -> Tables.byName(n).orElse(null)));
    }

    @Test
    void legacyWidthsAreFrozen() {
        // Records without a width are from before widths were written: their widths are these, forever. A column
        // appended to a table later must not change its legacy width (pass it to the Table constructor, as events does).
        java.util.Map<String, Integer> frozen = java.util.Map.ofEntries(java.util.Map.entry("events", 61),
                java.util.Map.entry("payments", 43), java.util.Map.entry("ltv", 11), java.util.Map.entry("redirects", 10),
                java.util.Map.entry("redirect_history", 14), java.util.Map.entry("agreements", 41),
                java.util.Map.entry("agreed", 41), java.util.Map.entry("counts", 4), java.util.Map.entry("updates", 5),
                java.util.Map.entry("logs", 15), java.util.Map.entry("erasures", 4), java.util.Map.entry("alerts", 10),
                java.util.Map.entry("api_keys", 8), // (new with widths: no legacy record of it exists)
                java.util.Map.entry("mthreads", 138), java.util.Map.entry("mstore", 73), java.util.Map.entry("mtriage", 66),
                java.util.Map.entry("impression_daily", 16)); // as api_keys
        for (Table t : Tables.ALL) {
            assertEquals(frozen.get(t.name()), t.legacyWidth(), t.name());
        }
    }

    /** The same record with the header of versions before widths were written: the bare table name. */
    private static byte[] legacy(byte[] record) throws IOException {
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(record));
        String header = in.readUTF();
        assertEquals("events#61", header);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        DataOutputStream d = new DataOutputStream(out);
        d.writeUTF("events");
        d.write(in.readAllBytes());
        return out.toByteArray();
    }
}
