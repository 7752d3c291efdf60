package io.tracker.core.enrich;

import java.nio.file.Path;

/** The DB11-layout test BIN, for tests in other packages. */
public final class GeoIpFixtures {
    private GeoIpFixtures() {
    }

    public static Path db11(Path dir) throws Exception {
        return GeoIpTest.db11(dir);
    }
}
