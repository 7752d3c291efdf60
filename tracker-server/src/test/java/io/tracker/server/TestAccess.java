package io.tracker.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tracker.core.config.TrackerConfig;
import java.nio.file.Path;
import java.util.function.Consumer;

/** {@link TestTrackers} for tests in sub-packages. */
public final class TestAccess {
    private TestAccess() {
    }

    public static Tracker start(Path dataDir, Consumer<ObjectNode> tweak) throws Exception {
        return TestTrackers.start(dataDir, tweak);
    }

    public static TrackerConfig config(Path dataDir, Consumer<ObjectNode> tweak) {
        return TestTrackers.config(dataDir, tweak);
    }
}
