package io.tracker.core.config;

/**
 * GeoIP (spec §8): an IP2Location BIN file read with ip2location-java. Nothing is ever downloaded.
 *
 * @param path the BIN file; empty = GeoIP off ({@code /tr/v1/ppi/geoip} answers 503, events keep what clients send)
 */
public record GeoIpConfig(String path) {

    public static GeoIpConfig standard() {
        return new GeoIpConfig("");
    }

    void validate(Validation v) {
        v.notNull("geoip.path", path);
    }
}
