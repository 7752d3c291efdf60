package io.tracker.core.enrich;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GeoIpTest {
    @TempDir
    Path dir;

    static Path db11(Path dir) throws Exception {
        return Db11Fixture.write(dir.resolve("db11.bin"), List.of(
                new Db11Fixture.Range(0L, "-", "-", "-", "-", 0f, 0f, "-", "-"),
                new Db11Fixture.Range(3405775104L, "AU", "Australia", "Queensland", "Brisbane", -27.46794f, 153.02809f, "4000", "+10:00"),
                new Db11Fixture.Range(3405775360L, "-", "-", "-", "-", 0f, 0f, "-", "-")));
    }

    @Test
    void readsEveryDb11FieldFromABinBuiltFromTheDocumentedLayout() throws Exception {
        try (GeoIp g = GeoIp.open(db11(dir).toString()).orElseThrow()) {
            GeoIp.Lookup l = g.lookup("203.0.0.5"); // before the range: the "-" row
            assertEquals(GeoIp.Lookup.Status.NOT_FOUND, l.status());
            GeoIp.Location at = g.lookup("203.0.1.9").location(); // 3405775113, inside [203.0.1.0, 203.0.2.0)
            assertEquals("AU", at.iso2());
            assertEquals("Australia", at.country());
            assertEquals("Queensland", at.region());
            assertEquals("Brisbane", at.city());
            assertEquals(-27.46794, at.lat(), 1e-4);
            assertEquals(153.02809, at.lon(), 1e-4);
            assertEquals("4000", at.zip());
            assertEquals("+10:00", at.tz());
            assertEquals(GeoIp.Lookup.Status.INVALID, g.lookup("no-ip").status());
        }
    }

    @Test
    void theSharedDb1FixtureHasCountriesOnly() throws Exception {
        java.util.Optional<Path> db1 = GeoIpFixtures.sharedDb1();
        org.junit.jupiter.api.Assumptions.assumeTrue(db1.isPresent(), "shared GeoIP fixture not found");
        try (GeoIp g = GeoIp.open(db1.get().toString()).orElseThrow()) {
            GeoIp.Location l = g.lookup("8.8.8.8").location();
            assertEquals("US", l.iso2());
            assertNull(l.city());
            assertNull(l.lat(), "no coordinates in DB1: absent rather than 0,0");
        }
    }

    @Test
    void offWhenNoPathAndAnErrorForAMissingFile() throws Exception {
        assertTrue(GeoIp.open("").isEmpty());
        assertTrue(org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class,
                () -> GeoIp.open(dir.resolve("missing.bin").toString())).getMessage().contains("geoip.path"));
    }
}
