package io.tracker.core.model;

import java.io.ByteArrayOutputStream;
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
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(256 * rows.size() + 32);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            // "name#width": a reader that knows more columns (appended since) fills them with null.
            out.writeUTF(table.name() + WIDTH_MARK + table.width());
            out.writeInt(rows.size());
            List<Column> columns = table.columns();
            for (Row row : rows) {
                for (int i = 0; i < columns.size(); i++) {
                    Object v = row.get(i);
                    if (v == null) {
                        out.writeByte(0);
                        continue;
                    }
                    out.writeByte(1);
                    switch (columns.get(i).type()) {
                        case UUID -> {
                            UUID u = (UUID) v;
                            out.writeLong(u.getMostSignificantBits());
                            out.writeLong(u.getLeastSignificantBits());
                        }
                        case STRING, JSON -> {
                            byte[] s = ((String) v).getBytes(StandardCharsets.UTF_8);
                            out.writeInt(s.length);
                            out.write(s);
                        }
                        case INT64, TIMESTAMP -> out.writeLong((Long) v);
                        case INT32 -> out.writeInt((Integer) v);
                        case FLOAT64 -> out.writeDouble((Double) v);
                        case DECIMAL -> out.writeUTF(((java.math.BigDecimal) v).toPlainString());
                        case BOOLEAN -> out.writeBoolean((Boolean) v);
                        case STRINGS -> {
                            List<?> list = (List<?>) v;
                            out.writeInt(list.size());
                            for (Object o : list) {
                                byte[] s = ((String) o).getBytes(StandardCharsets.UTF_8);
                                out.writeInt(s.length);
                                out.write(s);
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
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** The decoded batch; {@code tables} resolves the table name written by {@link #encode}. */
    public static Batch decode(byte[] data, java.util.function.Function<String, Table> tables) throws IOException {
        DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(data));
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
        List<Column> columns = table.columns();
        for (int r = 0; r < n; r++) {
            RowBuilder b = new RowBuilder(table);
            for (int i = 0; i < width; i++) {
                if (in.readByte() == 0) {
                    continue;
                }
                Object v = switch (columns.get(i).type()) {
                    case UUID -> new UUID(in.readLong(), in.readLong());
                    case STRING, JSON -> readString(in, data.length);
                    case INT64, TIMESTAMP -> in.readLong();
                    case INT32 -> in.readInt();
                    case FLOAT64 -> in.readDouble();
                    case DECIMAL -> new java.math.BigDecimal(in.readUTF());
                    case BOOLEAN -> in.readBoolean();
                    case STRINGS -> {
                        int count = count(in, data.length);
                        List<String> list = new ArrayList<>(count);
                        for (int k = 0; k < count; k++) {
                            list.add(readString(in, data.length));
                        }
                        yield List.copyOf(list);
                    }
                    case UUIDS -> {
                        int count = count(in, data.length / 16);
                        List<UUID> list = new ArrayList<>(count);
                        for (int k = 0; k < count; k++) {
                            list.add(new UUID(in.readLong(), in.readLong()));
                        }
                        yield List.copyOf(list);
                    }
                };
                if (columns.get(i).name().equals("eid")) {
                    b.eid((UUID) v);
                } else {
                    b.set(i, v);
                }
            }
            rows.add(b.build());
        }
        return new Batch(table, rows);
    }

    private static String readString(DataInputStream in, int limit) throws IOException {
        int len = in.readInt();
        if (len < 0 || len > limit) {
            throw new IOException("bad string length " + len);
        }
        byte[] s = new byte[len];
        in.readFully(s);
        return new String(s, StandardCharsets.UTF_8);
    }

    private static int count(DataInputStream in, int limit) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > limit) {
            throw new IOException("bad list length " + n);
        }
        return n;
    }

    /** Rows of one table. */
    public record Batch(Table table, List<Row> rows) {
    }
}
