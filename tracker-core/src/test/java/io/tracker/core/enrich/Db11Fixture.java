package io.tracker.core.enrich;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Writes a tiny IP2Location BIN file in the DB11 layout (country, region, city, latitude, longitude, zip, time
 * zone), from the documented format: a 64-byte header (type, column count, date, IPv4 row count and 1-based
 * offset, no IPv6, no index), fixed-size little-endian rows whose first column is the range start (the next row's
 * start ends it, so a sentinel row closes the table), string columns as 0-based offsets of length-prefixed
 * strings, the country long name right after the 3-byte short one, and lat/lon as inline floats. The shared
 * fixture is a DB1 (country only); this one lets tests reach the other fields without downloading anything.
 */
final class Db11Fixture {
    private static final int COLUMNS = 8;

    record Range(long from, String iso2, String country, String region, String city, float lat, float lon,
                 String zip, String tz) {
    }

    static Path write(Path file, List<Range> ranges) throws IOException {
        int header = 64;
        int rowSize = COLUMNS * 4;
        int rowsStart = header + 1; // 1-based
        int rowsBytes = (ranges.size() + 1) * rowSize;
        ByteArrayOutputStream strings = new ByteArrayOutputStream();
        int stringsBase = header + rowsBytes;
        ByteBuffer rows = ByteBuffer.allocate(rowsBytes).order(ByteOrder.LITTLE_ENDIAN);
        for (Range r : ranges) {
            rows.putInt((int) r.from());
            int countryAt = stringsBase + strings.size();
            putString(strings, r.iso2());          // short name: length byte + 2 bytes = 3 bytes
            putString(strings, r.country());       // long name at countryAt + 3
            rows.putInt(countryAt);
            rows.putInt(stringsBase + putString(strings, r.region()));
            rows.putInt(stringsBase + putString(strings, r.city()));
            rows.putFloat(r.lat());
            rows.putFloat(r.lon());
            rows.putInt(stringsBase + putString(strings, r.zip()));
            rows.putInt(stringsBase + putString(strings, r.tz()));
        }
        rows.putInt((int) 4294967295L); // sentinel: the end of the last range
        for (int i = 1; i < COLUMNS; i++) {
            rows.putInt(0);
        }
        ByteBuffer h = ByteBuffer.allocate(header).order(ByteOrder.LITTLE_ENDIAN);
        h.put((byte) 11).put((byte) COLUMNS).put((byte) 20).put((byte) 1).put((byte) 1);
        h.putInt(ranges.size()).putInt(rowsStart).putInt(0).putInt(0).putInt(0).putInt(0);
        h.put((byte) 0); // product code 0 with a year before 2021: the legacy header the library still reads
        h.put((byte) 0); // product type
        h.putInt(header + rowsBytes + strings.size()); // file size
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(h.array());
        out.write(rows.array());
        out.write(strings.toByteArray());
        return Files.write(file, out.toByteArray());
    }

    /** Appends a length-prefixed string; returns its offset within the strings area. */
    private static int putString(ByteArrayOutputStream out, String s) {
        int at = out.size();
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.write(b.length);
        out.write(b, 0, b.length);
        return at;
    }
}
