package io.tracker.core.alerts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tracker.core.config.AlertsConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The detector on a clock of its own: spikes, error rates, no floods, bounded names, exact concurrent counts. */
class AlertDetectorTest {
    private final AtomicLong clock = new AtomicLong(1_000_000_000_000L - 1_000_000_000_000L % 60_000); // a window start
    private final List<AlertDetector.Alert> alerts = new ArrayList<>();
    private final AlertsConfig config = new AlertsConfig(true, 60, new AlertsConfig.Spike(3.0, 50, 4),
            List.of("error"), 0.05, 20, 100, "");
    private final AlertDetector d = new AlertDetector(config, clock::get, alerts::add);

    /** One window: {@code counts[i]} events of name i ("n0", "n1", …), then the clock to the next window, judged. */
    private List<AlertDetector.Alert> window(String etyp, long... counts) {
        for (int i = 0; i < counts.length; i++) {
            for (long k = 0; k < counts[i]; k++) {
                d.record("n" + i, etyp);
            }
        }
        clock.addAndGet(60_000);
        clock.addAndGet(1_000);
        List<AlertDetector.Alert> raised = d.closeDue(1_000);
        clock.addAndGet(-1_000);
        return raised;
    }

    @Test
    void aSpikeIsRaisedOnceUntilItSubsides() {
        d.closeDue(1_000); // the first call only sets where judging starts
        for (int i = 0; i < 4; i++) {
            assertEquals(List.of(), window(null, 60), "warm-up: 60 > minEvents, judged only after 4 windows");
        }
        assertEquals(List.of(), window(null, 100), "100 < max(50, 3 × 60)");
        List<AlertDetector.Alert> spike = window(null, 400);
        assertEquals(1, spike.size(), spike.toString());
        AlertDetector.Alert a = spike.get(0);
        assertEquals(AlertDetector.SPIKE, a.kind());
        assertEquals("n0", a.ename());
        assertEquals(400, a.observed());
        assertEquals(70.0, a.baseline(), 1e-9, "(60 + 60 + 60 + 100) / 4");
        assertEquals(210.0, a.threshold(), 1e-9);
        assertEquals(60, a.windowSeconds());
        assertEquals(List.of(), window(null, 900), "still spiking: no second alert");
        assertEquals(List.of(), window(null, 10), "subsided");
        assertEquals(List.of(), window(null, 10));
        assertEquals(List.of(), window(null, 10));
        assertEquals(List.of(), window(null, 10));
        assertEquals(List.of(), window(null, 10));
        assertEquals(1, window(null, 5000).size(), "a new spike after it subsided");
        assertEquals(2, alerts.size(), "the sink saw each alert");
    }

    @Test
    void aNameNeverSeenBeforeSpikesAgainstMinEvents() {
        d.closeDue(1_000);
        for (int i = 0; i < 4; i++) {
            window(null, 10);
        }
        List<AlertDetector.Alert> raised = window(null, 10, 51);
        assertEquals(1, raised.size());
        assertEquals("n1", raised.get(0).ename());
        assertEquals(50.0, raised.get(0).threshold(), 1e-9);
    }

    @Test
    void anErrorRateAlertNeedsEnoughEventsAndFiresOnce() {
        d.closeDue(1_000);
        assertEquals(List.of(), window("error", 3), "3 errors of 3 events: fewer than errorMinEvents");
        for (int i = 0; i < 100; i++) {
            d.record("page", i < 6 ? "error" : "view");
        }
        List<AlertDetector.Alert> raised = errors(window(null));
        assertEquals(1, raised.size(), raised.toString());
        assertEquals(AlertDetector.ERROR_RATE, raised.get(0).kind());
        assertEquals("*", raised.get(0).ename());
        assertEquals(6, raised.get(0).observed());
        assertEquals(100.0, raised.get(0).baseline(), 1e-9, "the window's events");
        for (int i = 0; i < 100; i++) {
            d.record("page", i < 10 ? "error" : "view");
        }
        assertEquals(List.of(), errors(window(null)), "still erroring: one alert");
        for (int i = 0; i < 100; i++) {
            d.record("page", i < 5 ? "error" : "view");
        }
        assertEquals(List.of(), errors(window(null)), "5% is not over 5%: subsided");
        for (int i = 0; i < 100; i++) {
            d.record("page", i < 50 ? "error" : "view");
        }
        assertEquals(1, errors(window(null)).size(), "and again");
    }

    private static List<AlertDetector.Alert> errors(List<AlertDetector.Alert> raised) {
        return raised.stream().filter(a -> a.kind().equals(AlertDetector.ERROR_RATE)).toList();
    }

    @Test
    void namesBeyondTheBoundCountTogether() {
        d.closeDue(1_000);
        for (int i = 0; i < 4; i++) {
            window(null);
        }
        for (int i = 0; i < 10_000; i++) {
            d.record("random-" + i, null); // a client inventing names
        }
        List<AlertDetector.Alert> raised = window(null);
        assertEquals(1, raised.size(), "the overflow spikes as one name");
        assertEquals(AlertDetector.OTHER, raised.get(0).ename());
        assertTrue(raised.get(0).observed() >= 10_000 - 100);
    }

    @Test
    void concurrentRecordsAreCountedExactly() throws Exception {
        d.closeDue(1_000);
        for (int i = 0; i < 4; i++) {
            window(null, 1);
        }
        Thread[] threads = new Thread[4];
        for (int t = 0; t < threads.length; t++) {
            threads[t] = new Thread(() -> {
                for (int i = 0; i < 25_000; i++) {
                    d.record("n0", null);
                }
            });
            threads[t].start();
        }
        for (Thread t : threads) {
            t.join();
        }
        List<AlertDetector.Alert> raised = window(null);
        assertEquals(100_000, raised.get(0).observed());
    }
}
