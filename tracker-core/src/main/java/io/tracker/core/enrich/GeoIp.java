package io.tracker.core.enrich;

import com.ip2location.IP2Location;
import com.ip2location.IPResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * IP → location from an IP2Location BIN file (ip2location-java, memory-mapped). Fields the file's edition does
 * not carry (a DB1 file has only the country) are absent, never placeholders.
 */
public final class GeoIp implements AutoCloseable {
    private final IP2Location db;
    private final String version;

    private GeoIp(IP2Location db) {
        this.db = db;
        this.version = db.GetDatabaseVersion();
    }

    /** Opens {@code path}; empty when GeoIP is off (blank path). */
    public static Optional<GeoIp> open(String path) throws IOException {
        if (path == null || path.isBlank()) {
            return Optional.empty();
        }
        Path p = Path.of(path);
        if (!Files.isReadable(p)) {
            throw new IOException("geoip.path: cannot read " + p.toAbsolutePath());
        }
        IP2Location db = new IP2Location();
        db.Open(p.toString(), true);
        return Optional.of(new GeoIp(db));
    }

    public String databaseVersion() {
        return version;
    }

    /**
     * The location of {@code ip}. {@link Lookup.Status#INVALID} for something that is not an IP address,
     * {@link Lookup.Status#NOT_FOUND} for an address the file does not cover (private ranges, for example).
     */
    public Lookup lookup(String ip) {
        IPResult r;
        try {
            synchronized (this) { // the library documents no thread-safety for queries
                r = db.IPQuery(ip);
            }
        } catch (IOException e) {
            return new Lookup(Lookup.Status.ERROR, null);
        }
        String status = r.getStatus();
        if (status.equals("INVALID_IP_ADDRESS") || status.equals("IPV6_NOT_SUPPORTED")) {
            return new Lookup(Lookup.Status.INVALID, null);
        }
        if (!status.equals("OK")) {
            return new Lookup(Lookup.Status.ERROR, null);
        }
        String iso2 = field(r.getCountryShort());
        if (iso2 == null) {
            return new Lookup(Lookup.Status.NOT_FOUND, null);
        }
        Double lat = null;
        Double lon = null;
        if (available(r.getCity()) || r.getLatitude() != 0f || r.getLongitude() != 0f) {
            lat = (double) r.getLatitude();
            lon = (double) r.getLongitude();
        }
        if (lat != null && lat == 0.0 && lon == 0.0) {
            lat = null;
            lon = null;
        }
        return new Lookup(Lookup.Status.OK, new Location(iso2, field(r.getCountryLong()), field(r.getRegion()),
                field(r.getCity()), lat, lon, field(r.getZipCode()), field(r.getTimeZone())));
    }

    private static boolean available(String s) {
        return field(s) != null;
    }

    private static String field(String s) {
        if (s == null || s.isEmpty() || s.equals("-") || s.contains("unavailable") || s.contains("Not_Supported") || s.contains("MISSING")
                || s.contains("INVALID")) {
            return null;
        }
        return s;
    }

    @Override
    public void close() {
        db.Close();
    }

    /** A lookup's outcome; {@code location} is set when {@code status} is OK. */
    public record Lookup(Status status, Location location) {
        public enum Status { OK, NOT_FOUND, INVALID, ERROR }
    }

    /** Where an IP is, as far as the file knows; absent fields are null. */
    public record Location(String iso2, String country, String region, String city, Double lat, Double lon,
                           String zip, String tz) {
    }
}
