package io.tracker.core.enrich;

import java.nio.file.Path;

/** The DB11-layout test BIN, for tests in other packages. */
public final class GeoIpFixtures {
    private GeoIpFixtures() {
    }

    /**
     * The shared DB1 fixture ({@code ../shared/fixtures/geoip/} beside the repository, or {@code TRACKER_GEOIP_FIXTURE}),
     * if this machine has it.
     */
    public static java.util.Optional<Path> sharedDb1() {
        java.util.List<Path> candidates = new java.util.ArrayList<>();
        String env = System.getenv("TRACKER_GEOIP_FIXTURE");
        if (env != null && !env.isBlank()) {
            candidates.add(Path.of(env));
        }
        Path here = Path.of("").toAbsolutePath();
        for (Path p = here; p != null; p = p.getParent()) {
            candidates.add(p.resolve("shared/fixtures/geoip/IP2LOCATION-LITE-DB1.BIN"));
        }
        return candidates.stream().filter(java.nio.file.Files::isReadable).findFirst();
    }

    public static Path db11(Path dir) throws Exception {
        return GeoIpTest.db11(dir);
    }
}
