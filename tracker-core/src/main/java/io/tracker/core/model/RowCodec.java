package io.tracker.core.model;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Binary form of a batch of rows of one table, for the write-ahead log and the spool. Column types
 * come from the {@link Table}, so the encoding carries only a presence byte and the value. The header names the
 * table and how many columns it had when written ({@code events#67}): columns are only ever appended, so a record
 * written before a column was added decodes with that column null. A header without a width is from before widths
 * were written, and has the table's {@link Table#legacyWidth()}.
 */
public final class RowCodec {
    private static final char WIDTH_MARK = '#';

    private RowCodec() {
    }

    public static byte[] encode(Table table, List<Row> rows) {
        Out out = SCRATCH.get();
        out.reset();
        // "name#width": a reader that knows more columns (appended since) fills them with null.
        out.write(header(table));
        out.writeInt(rows.size());
        List<Column> columns = table.columns();
        int width = columns.size();
        ColumnType[] types = new ColumnType[width];
        for (int i = 0; i < width; i++) {
            types[i] = columns.get(i).type();
        }
        for (Row row : rows) {
            for (int i = 0; i < width; i++) {
                Object v = row.get(i);
                if (v == null) {
                    out.writeByte(0);
                    continue;
                }
                out.writeByte(1);
                switch (types[i]) {
                    case UUID -> {
                        UUID u = (UUID) v;
                        out.writeLong(u.getMostSignificantBits());
                        out.writeLong(u.getLeastSignificantBits());
                    }
                    case STRING, JSON -> out.writeString((String) v);
                    case INT64, TIMESTAMP -> out.writeLong((Long) v);
                    case INT32 -> out.writeInt((Integer) v);
                    case FLOAT64 -> out.writeLong(Double.doubleToLongBits((Double) v));
                    case DECIMAL -> out.writeShortAscii(((java.math.BigDecimal) v).toPlainString());
                    case BOOLEAN -> out.writeByte((Boolean) v ? 1 : 0);
                    case STRINGS -> {
                        List<?> list = (List<?>) v;
                        out.writeInt(list.size());
                        for (Object o : list) {
                            out.writeString((String) o);
                        }
                    }
                    case UUIDS -> {
                        List<?> list = (List<?>) v;
                        out.writeInt(list.size());
                        for (Object o : list) {
                            out.writeLong(((UUID) o).getMostSignificantBits());
                            out.writeLong(((UUID) o).getLeastSignificantBits());
                        }
                    }
                }
            }
        }
        byte[] bytes = out.toByteArray();
        out.release();
        return bytes;
    }

    /** A table's header, {@code writeUTF("name#width")}, made once per table (it is the same for every record). */
    private static byte[] header(Table table) {
        return HEADERS.computeIfAbsent(table, t -> {
            java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
            try (DataOutputStream d = new DataOutputStream(b)) {
                d.writeUTF(t.name() + WIDTH_MARK + t.width());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return b.toByteArray();
        });
    }

    private static final java.util.Map<Table, byte[]> HEADERS = new java.util.concurrent.ConcurrentHashMap<>();
    private static final ThreadLocal<Out> SCRATCH = ThreadLocal.withInitial(Out::new);

    /**
     * The big-endian layout {@link DataOutputStream} writes (what {@link #decode} reads), into a reused per-thread
     * array: no synchronised stream, no array per string (ASCII is copied as it goes; other text is encoded by the
     * JDK, unpaired surrogates becoming {@code ?} as before), one exact-size copy at the end.
     */
    static final class Out {
        private static final int KEEP_BYTES = 1 << 20; // a larger scratch array is not kept for the next record
        private byte[] buf = new byte[4096];
        private int pos;

        void reset() {
            pos = 0;
        }

        void release() {
            if (buf.length > KEEP_BYTES) {
                buf = new byte[4096];
            }
        }

        private void ensure(int n) {
            if (pos + n > buf.length) {
                buf = java.util.Arrays.copyOf(buf, Math.max(buf.length * 2, pos + n));
            }
        }

        void write(byte[] b) {
            ensure(b.length);
            System.arraycopy(b, 0, buf, pos, b.length);
            pos += b.length;
        }

        void writeByte(int v) {
            ensure(1);
            buf[pos++] = (byte) v;
        }

        void writeInt(int v) {
            ensure(4);
            INT.set(buf, pos, v);
            pos += 4;
        }

        void writeLong(long v) {
            ensure(8);
            LONG.set(buf, pos, v);
            pos += 8;
        }

        /** A 4-byte length, then the UTF-8 bytes. */
        void writeString(String s) {
            int n = s.length();
            ensure(4 + n);
            int start = pos + 4;
            for (int i = 0; i < n; i++) {
                char c = s.charAt(i);
                if (c >= 0x80) {
                    byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
                    writeInt(utf8.length);
                    write(utf8);
                    return;
                }
                buf[start + i] = (byte) c;
            }
            INT.set(buf, pos, n);
            pos = start + n;
        }

        /** {@code writeUTF} of ASCII text (a decimal's plain string). */
        void writeShortAscii(String s) {
            byte[] b = s.getBytes(StandardCharsets.US_ASCII);
            if (b.length > 0xFFFF) {
                throw new UncheckedIOException(new java.io.UTFDataFormatException("decimal of " + b.length + " characters"));
            }
            ensure(2 + b.length);
            buf[pos++] = (byte) (b.length >>> 8);
            buf[pos++] = (byte) b.length;
            write(b);
        }

        byte[] toByteArray() {
            return java.util.Arrays.copyOf(buf, pos);
        }

        private static final java.lang.invoke.VarHandle INT =
                java.lang.invoke.MethodHandles.byteArrayViewVarHandle(int[].class, java.nio.ByteOrder.BIG_ENDIAN);
        private static final java.lang.invoke.VarHandle LONG =
                java.lang.invoke.MethodHandles.byteArrayViewVarHandle(long[].class, java.nio.ByteOrder.BIG_ENDIAN);
    }

    /** The decoded batch; {@code tables} resolves the table name written by {@link #encode}. */
    public static Batch decode(byte[] data, java.util.function.Function<String, Table> tables) throws IOException {
        In in = new In(data);
        String name = in.readUTF();
        int mark = name.indexOf(WIDTH_MARK);
        Table table = tables.apply(mark < 0 ? name : name.substring(0, mark));
        if (table == null) {
            throw new IOException("unknown table " + name);
        }
        int width;
        try {
            width = mark < 0 ? table.legacyWidth() : Integer.parseInt(name.substring(mark + 1));
        } catch (NumberFormatException e) {
            throw new IOException("bad table width in " + name);
        }
        if (width < 1 || width > table.width()) {
            throw new IOException("table " + table.name() + ": a record of " + width + " columns, this version knows "
                    + table.width());
        }
        int n = in.readInt();
        if (n < 0) {
            throw new IOException("negative row count");
        }
        List<Row> rows = new ArrayList<>(Math.min(n, 1 << 16));
        int eid = table.indexOf("eid");
        for (int r = 0; r < n; r++) {
            rows.add(readRow(in, table, width, eid));
        }
        return new Batch(table, rows);
    }

    /** One row of {@code width} columns; column {@code eid} is the row's event id. */
    private static Row readRow(In in, Table table, int width, int eid) throws IOException {
        List<Column> columns = table.columns();
        RowBuilder b = new RowBuilder(table);
        for (int i = 0; i < width; i++) {
            if (in.readByte() == 0) {
                continue;
            }
            Object v = switch (columns.get(i).type()) {
                case UUID -> new UUID(in.readLong(), in.readLong());
                case STRING, JSON -> in.readString();
                case INT64, TIMESTAMP -> in.readLong();
                case INT32 -> in.readInt();
                case FLOAT64 -> Double.longBitsToDouble(in.readLong());
                case DECIMAL -> new java.math.BigDecimal(in.readUTF());
                case BOOLEAN -> in.readByte() != 0;
                case STRINGS -> {
                    int count = in.count(4);
                    List<String> list = new ArrayList<>(count);
                    for (int k = 0; k < count; k++) {
                        list.add(in.readString());
                    }
                    yield List.copyOf(list);
                }
                case UUIDS -> {
                    int count = in.count(16);
                    List<UUID> list = new ArrayList<>(count);
                    for (int k = 0; k < count; k++) {
                        list.add(new UUID(in.readLong(), in.readLong()));
                    }
                    yield List.copyOf(list);
                }
            };
            if (i == eid) {
                b.eid((UUID) v);
            } else {
                b.set(i, v);
            }
        }
        return b.build();
    }

    /**
     * Reads what {@link Out} (and, before it, {@link DataOutputStream}) wrote, from an array: every read is bounds
     * checked and a short record is an {@link java.io.EOFException}, a bad length an {@link IOException}.
     */
    private static final class In {
        private final byte[] data;
        private int pos;

        In(byte[] data) {
            this.data = data;
        }

        private void need(int n) throws java.io.EOFException {
            if (n > data.length - pos) {
                throw new java.io.EOFException("record ends inside a value");
            }
        }

        int readByte() throws IOException {
            need(1);
            return data[pos++];
        }

        int readInt() throws IOException {
            need(4);
            int v = (int) Out.INT.get(data, pos);
            pos += 4;
            return v;
        }

        long readLong() throws IOException {
            need(8);
            long v = (long) Out.LONG.get(data, pos);
            pos += 8;
            return v;
        }

        /** A 4-byte length, then UTF-8. */
        String readString() throws IOException {
            int len = readInt();
            if (len < 0 || len > data.length - pos) {
                throw new IOException("bad string length " + len);
            }
            String s = new String(data, pos, len, StandardCharsets.UTF_8);
            pos += len;
            return s;
        }

        /** {@link DataInputStream#readUTF}: a 2-byte length, then modified UTF-8. */
        String readUTF() throws IOException {
            need(2);
            int len = ((data[pos] & 0xFF) << 8) | (data[pos + 1] & 0xFF);
            need(2 + len);
            String s = DataInputStream.readUTF(new DataInputStream(new java.io.ByteArrayInputStream(data, pos, 2 + len)));
            pos += 2 + len;
            return s;
        }

        /** A list's 4-byte length, checked against what the rest of the record can hold. */
        int count(int minBytesEach) throws IOException {
            int n = readInt();
            if (n < 0 || n > (data.length - pos) / minBytesEach) {
                throw new IOException("bad list length " + n);
            }
            return n;
        }
    }

    /** Rows of one table. */
    public record Batch(Table table, List<Row> rows) {
    }
}
