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

    /** A tracker whose events and "today" follow {@code clock}. */
    public static Tracker start(Path dataDir, Consumer<ObjectNode> tweak, java.time.Clock clock) throws Exception {
        return Tracker.start(TestTrackers.config(dataDir, tweak), clock);
    }

    /** Runs {@code tracker --prune [--logs-only]}; returns its report line. */
    public static String prune(TrackerConfig config, boolean logsOnly) throws Exception {
        return Prune.run(config, logsOnly).toString();
    }

    public static TrackerConfig config(Path dataDir, Consumer<ObjectNode> tweak) {
        return TestTrackers.config(dataDir, tweak);
    }
}
