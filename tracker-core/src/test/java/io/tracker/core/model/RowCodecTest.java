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
