package io.tracker.core.enrich;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.tracker.core.config.EnrichConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** tz → country through the machine's own tzdata (Debian's tzdata package). */
class TimeZonesTest {
    @Test
    void theMachinesZoneTables() throws Exception {
        assumeTrue(Files.isRegularFile(Path.of(EnrichConfig.Country.ZONE_TABLE)), "no tzdata on this machine");
        TimeZones z = TimeZones.load(EnrichConfig.Country.ZONE_TABLE).orElseThrow();
        assertTrue(z.size() > 300, "zones: " + z.size());
        assertEquals("DE", z.country("Europe/Berlin"));
        assertEquals("DE", z.country("europe/berlin"), "values arrive lower-cased");
        assertEquals("NO", z.country("Europe/Oslo"), "zone.tab's own country, not zone1970.tab's merged zone");
        assertEquals("US", z.country("America/New_York"));
        assertEquals("JP", z.country("Asia/Tokyo"));
        assertEquals("AU", z.country("Australia/Sydney"));
        assertEquals("BR", z.country("America/Sao_Paulo"));
        assertEquals("IN", z.country("Asia/Calcutta"), "a link name, as older browsers report it");
        assertEquals("UA", z.country("Europe/Kiev"));
        assertNull(z.country("UTC"));
        assertNull(z.country("Etc/GMT+2"));
        assertNull(z.country("Mars/Olympus_Mons"));
    }

    @Test
    void aMissingTableIsNoTable(@TempDir Path dir) throws Exception {
        assertTrue(TimeZones.load(dir.resolve("nope.tab").toString()).isEmpty());
        Path f = dir.resolve("zone1970.tab");
        Files.writeString(f, "# comment\nCH,DE,LI\t+4723+00832\tEurope/Zurich\n");
        assertEquals("CH", TimeZones.load(f.toString()).orElseThrow().country("Europe/Zurich"), "the first code");
    }
}
