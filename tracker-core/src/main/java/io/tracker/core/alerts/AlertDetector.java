package io.tracker.core.alerts;

import io.tracker.core.config.AlertsConfig;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * The streaming spike and error-rate detector, per node. The hot path ({@link #record}) adds to the current
 * window's counters (a {@link LongAdder} per {@code ename}: no lock per event); {@link #closeDue} — called by a timer
 * a moment after each window ends — judges every window that has ended:
 * <ul>
 *   <li>a <b>spike</b> of an {@code ename} when its count exceeds {@code max(spike.minEvents, spike.factor × baseline)},
 *       the baseline being the mean of its previous {@code spike.baselineWindows} windows (no event = 0); judged once
 *       the node has seen that many windows, so a restart is no spike</li>
 *   <li>an <b>error rate</b> when events whose {@code etyp} is in {@code errorTypes} exceed {@code errorRate} of all
 *       events of a window of at least {@code errorMinEvents}</li>
 * </ul>
 * An alert is raised when the condition starts and not again until a window without it: a spike that lasts ten
 * windows is one alert. At most {@code maxNames} names are counted per window (client-chosen names cannot grow
 * memory without bound); the rest count under {@code (other)}.
 */
public final class AlertDetector {
    public static final String SPIKE = "spike";
    public static final String ERROR_RATE = "error_rate";
    static final String OTHER = "(other)";

    /** One alert; {@code ename} is {@code *} for the error rate. */
    public record Alert(String kind, String ename, long windowStartMillis, long windowSeconds, long observed,
                        double baseline, double threshold) {
    }

    private static final class Window {
        final long index;
        final ConcurrentHashMap<String, LongAdder> counts = new ConcurrentHashMap<>();
        final LongAdder total = new LongAdder();
        final LongAdder errors = new LongAdder();

        Window(long index) {
            this.index = index;
        }
    }

    private final AlertsConfig config;
    private final long windowMillis;
    private final Set<String> errorTypes;
    private final LongSupplier clock;
    private final Consumer<Alert> sink;
    private final AtomicReferenceArray<Window> ring = new AtomicReferenceArray<>(4);

    // judged state, touched only by closeDue (one caller at a time)
    private final Map<String, long[]> history = new HashMap<>();
    private final Set<String> spiking = new java.util.HashSet<>();
    private boolean erroring;
    private long windowsSeen;
    private long nextToClose = Long.MIN_VALUE;

    public AlertDetector(AlertsConfig config, LongSupplier clockMillis, Consumer<Alert> sink) {
        this.config = config;
        this.windowMillis = config.windowSeconds() * 1000L;
        this.errorTypes = Set.copyOf(config.errorTypes());
        this.clock = clockMillis;
        this.sink = sink;
    }

    /** Counts one accepted event (hot path). */
    public void record(String ename, String etyp) {
        Window w = current(Math.floorDiv(clock.getAsLong(), windowMillis));
        String name = ename == null ? "" : ename;
        LongAdder c = w.counts.get(name);
        if (c == null) {
            c = w.counts.size() < config.maxNames() ? w.counts.computeIfAbsent(name, k -> new LongAdder())
                    : w.counts.computeIfAbsent(OTHER, k -> new LongAdder());
        }
        c.increment();
        w.total.increment();
        if (etyp != null && errorTypes.contains(etyp)) {
            w.errors.increment();
        }
    }

    private Window current(long index) {
        int slot = (int) Math.floorMod(index, ring.length());
        Window w = ring.get(slot);
        while (w == null || w.index != index) {
            if (w != null && w.index > index) {
                return w; // a clock step back: count into the newer window
            }
            Window fresh = new Window(index);
            if (ring.compareAndSet(slot, w, fresh)) {
                return fresh;
            }
            w = ring.get(slot);
        }
        return w;
    }

    /**
     * Judges every window that ended at least {@code graceMillis} ago and was not judged yet; returns the alerts
     * raised (also given to the sink). Call it from one thread.
     */
    public synchronized List<Alert> closeDue(long graceMillis) {
        long now = clock.getAsLong();
        long lastEnded = Math.floorDiv(now - graceMillis, windowMillis) - 1; // the newest window whose end is past grace
        if (nextToClose == Long.MIN_VALUE) {
            nextToClose = lastEnded; // the first call: start with the window that just ended
        }
        List<Alert> raised = new ArrayList<>();
        for (; nextToClose <= lastEnded; nextToClose++) {
            int slot = (int) Math.floorMod(nextToClose, ring.length());
            Window w = ring.get(slot);
            judge(nextToClose, w != null && w.index == nextToClose ? w : null, raised);
        }
        for (Alert a : raised) {
            sink.accept(a);
        }
        return raised;
    }

    private void judge(long index, Window w, List<Alert> raised) {
        long start = index * windowMillis;
        int n = config.spike().baselineWindows();
        Map<String, Long> counts = new HashMap<>();
        if (w != null) {
            w.counts.forEach((k, v) -> counts.put(k, v.sum()));
        }
        for (String name : counts.keySet()) {
            history.computeIfAbsent(name, k -> new long[n + 1]);
        }
        boolean judged = windowsSeen >= n;
        Iterator<Map.Entry<String, long[]>> it = history.entrySet().iterator();
        while (it.hasNext()) {
            Map.Entry<String, long[]> e = it.next();
            long[] h = e.getValue(); // h[0..n-1]: previous windows (ring by windowsSeen), h[n]: sum of them
            long c = counts.getOrDefault(e.getKey(), 0L);
            double baseline = h[n] / (double) n;
            double threshold = Math.max(config.spike().minEvents(), config.spike().factor() * baseline);
            boolean spike = judged && c > threshold;
            if (spike && spiking.add(e.getKey())) {
                raised.add(new Alert(SPIKE, e.getKey(), start, config.windowSeconds(), c, baseline, threshold));
            } else if (!spike) {
                spiking.remove(e.getKey());
            }
            int slot = (int) (windowsSeen % n);
            h[n] += c - h[slot];
            h[slot] = c;
            if (h[n] == 0 && !spiking.contains(e.getKey())) {
                it.remove(); // quiet for a whole baseline: forgotten
            }
        }
        long total = w == null ? 0 : w.total.sum();
        long errors = w == null ? 0 : w.errors.sum();
        boolean rate = total >= config.errorMinEvents() && errors > config.errorRate() * total;
        if (rate && !erroring) {
            raised.add(new Alert(ERROR_RATE, "*", start, config.windowSeconds(), errors, total, config.errorRate() * total));
        }
        erroring = rate;
        windowsSeen++;
        if (w != null) {
            int slot = (int) Math.floorMod(index, ring.length());
            ring.compareAndSet(slot, w, null); // judged: the slot is free for a later window
        }
    }
}
