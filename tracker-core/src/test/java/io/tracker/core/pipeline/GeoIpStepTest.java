package io.tracker.core.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tracker.core.config.TrackerConfig;
import io.tracker.core.enrich.GeoIp;
import io.tracker.core.enrich.GeoIpFixtures;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** GeoIP enrichment through the standard pipeline, with a DB11-layout BIN built by the test. */
class GeoIpStepTest {
    @TempDir
    Path dir;

    private static HitRequest from(String ip, String query) {
        HitRequest r = Hits.get(Route.TRACK, "", query);
        return new HitRequest(r.route(), r.method(), r.pairsPath(), r.rawQuery(), r.body(), r.cookies(), r.userHeader(),
                r.userAgent(), r.acceptLanguage(), ip, r.host());
    }

    @Test
    void fillsLocationFieldsTheClientDidNotSend() throws Exception {
        try (GeoIp geoip = GeoIp.open(GeoIpFixtures.db11(dir).toString()).orElseThrow()) {
            EventPipeline p = EventPipeline.standard(TrackerConfig.standard(), new ObjectMapper(), new EventIds(),
                    new SimpleMeterRegistry(), geoip, new io.tracker.core.privacy.IpAnonymizer("truncate"));
            Map<String, Object> v = p.run(from("203.0.1.9", "ename=a"), null).values();
            assertEquals("AU", v.get("country"));
            assertEquals("queensland", v.get("region"));
            assertEquals("Brisbane", v.get("city"));
            assertEquals("4000", v.get("zip"));
            assertEquals(-27.46794, (Double) v.get("lat"), 1e-4);
            Map<String, Object> own = p.run(from("203.0.1.9", "ename=b&country=nz&city=auckland&lat=1&lon=2"), null).values();
            assertEquals("nz", own.get("country"), "the client's values win");
            assertEquals("auckland", own.get("city"));
            assertEquals("queensland", own.get("region"), "only missing fields are filled");
            Map<String, Object> none = p.run(from("10.0.0.1", "ename=c"), null).values();
            assertEquals(null, none.get("country"));
        }
    }

    @Test
    void geoIpFirstThenTheClientsTimeZone() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(java.nio.file.Files.isRegularFile(
                java.nio.file.Path.of(io.tracker.core.config.EnrichConfig.Country.ZONE_TABLE)), "no tzdata here");
        try (GeoIp geoip = GeoIp.open(GeoIpFixtures.db11(dir).toString()).orElseThrow()) {
            ObjectMapper mapper = new ObjectMapper();
            TrackerConfig config = TrackerConfig.standard();
            EventPipeline p = EventPipeline.standard(config, mapper, new EventIds(), new SimpleMeterRegistry(), geoip,
                    new io.tracker.core.privacy.IpAnonymizer("truncate"),
                    io.tracker.core.enrich.Enrichment.load(config, mapper));
            assertEquals("AU", p.run(from("203.0.1.9", "ename=a&tz=Europe%2FBerlin"), null).values().get("country"),
                    "GeoIP's answer wins over the time zone");
            assertEquals("DE", p.run(from("10.0.0.1", "ename=a&tz=Europe%2FBerlin"), null).values().get("country"),
                    "no GeoIP answer: the time zone's country");
            assertEquals(null, p.run(from("10.0.0.1", "ename=a&tz=UTC"), null).values().get("country"));
        }
    }
}
