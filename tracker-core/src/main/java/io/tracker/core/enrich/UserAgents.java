package io.tracker.core.enrich;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.tracker.core.config.EnrichConfig;
import java.util.Map;
import java.util.TreeMap;
import nl.basjes.parse.useragent.UserAgent;
import nl.basjes.parse.useragent.UserAgentAnalyzer;

/**
 * What a User-Agent (and its {@code Sec-CH-UA*} client hints) says: browser, OS, device class, and whether it is
 * a bot by its own words. Parsed by Yauaa, restricted to the fields stored; results are cached by the exact
 * header values, so the analyzer (whose {@code parse} is synchronized) sees each distinct agent once while it stays
 * in the cache. The analyzer is loaded once per process (some 110 MB of heap, 5-7 s) and shared.
 */
public final class UserAgents {
    /** The Yauaa fields stored; asking for fewer lets Yauaa skip the rules of the others. */
    static final String[] FIELDS = {UserAgent.DEVICE_CLASS, UserAgent.AGENT_CLASS, UserAgent.AGENT_NAME,
            UserAgent.AGENT_VERSION, UserAgent.OPERATING_SYSTEM_NAME, UserAgent.OPERATING_SYSTEM_VERSION};

    private static volatile UserAgentAnalyzer shared;

    /**
     * What is known of one agent; a field is null when unknown. {@code judged} is false when the parse budget was
     * spent: only the cheap rules ran, so a null {@code botReason} means "not known", not "a person".
     */
    public record Agent(String browser, String browserVersion, String os, String osVersion, String device,
                        String botReason, boolean judged) {
        static final Agent NONE = new Agent(null, null, null, null, null, null, true);
    }

    private final UserAgentAnalyzer analyzer;
    private final Bots bots;
    private final Cache<String, Agent> cache;
    private final int maxLength;
    private final int maxParsesPerSecond;
    private final java.util.concurrent.atomic.AtomicLong budget = new java.util.concurrent.atomic.AtomicLong();
    private final java.util.concurrent.atomic.LongAdder skipped = new java.util.concurrent.atomic.LongAdder();

    /**
     * @param config what to parse; the analyzer is loaded here when {@code config.enabled()} and not loaded yet
     * @param bots   the UA-level bot rules (crawler patterns, headless, HTTP libraries), or null for none
     */
    public UserAgents(EnrichConfig.UserAgent config, Bots bots) {
        this.analyzer = config.enabled() ? analyzer() : null;
        this.bots = bots;
        this.maxLength = config.maxLength();
        this.maxParsesPerSecond = config.maxParsesPerSecond();
        this.cache = Caffeine.newBuilder().maximumSize(config.cacheSize()).build();
    }

    /** The process's analyzer, loaded on first use. */
    public static UserAgentAnalyzer analyzer() {
        UserAgentAnalyzer a = shared;
        if (a == null) {
            synchronized (UserAgents.class) {
                a = shared;
                if (a == null) {
                    a = UserAgentAnalyzer.newBuilder().withFields(FIELDS).withoutCache().dropTests()
                            .hideMatcherLoadStats().immediateInitialization().build();
                    shared = a;
                }
            }
        }
        return a;
    }

    public boolean parsesAgents() {
        return analyzer != null;
    }

    /** What {@code userAgent} with {@code hints} says; never null. */
    public Agent of(String userAgent, Map<String, String> hints) {
        if (userAgent == null || userAgent.isBlank()) {
            return Agent.NONE;
        }
        String ua = userAgent.length() > maxLength ? userAgent.substring(0, maxLength) : userAgent;
        String key = hints.isEmpty() ? ua : ua + '\n' + new TreeMap<>(hints);
        Agent known = cache.getIfPresent(key);
        if (known == null) {
            if (!mayParse()) {
                skipped.increment();
                String reason = bots == null ? null : bots.agentReason(ua, hints); // the cheap rules only; not cached
                return new Agent(null, null, null, null, null, reason, reason != null);
            }
            known = parse(ua, hints);
            cache.put(key, known);
        }
        return known;
    }

    /** Agents left unparsed because {@code maxParsesPerSecond} was spent (a metric's source). */
    public long skipped() {
        return skipped.sum();
    }

    /** One parse of the second's budget: {@code budget} holds the second (high bits) and the parses in it (low 20). */
    private boolean mayParse() {
        long second = System.nanoTime() / 1_000_000_000L;
        while (true) {
            long b = budget.get();
            long n = (b >> 20) == second ? b & 0xFFFFF : 0;
            if (n >= maxParsesPerSecond) {
                return false;
            }
            if (budget.compareAndSet(b, (second << 20) | (n + 1))) {
                return true;
            }
        }
    }

    private Agent parse(String ua, Map<String, String> hints) {
        String reason = bots == null ? null : bots.agentReason(ua, hints);
        if (analyzer == null) {
            if (reason == null && bots != null) {
                reason = bots.patternReason(ua);
            }
            return reason == null ? Agent.NONE : new Agent(null, null, null, null, null, reason, true);
        }
        UserAgent parsed;
        if (hints.isEmpty()) {
            parsed = analyzer.parse(ua);
        } else {
            Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
            headers.putAll(hints);
            headers.put("User-Agent", ua);
            parsed = analyzer.parse(headers);
        }
        String deviceClass = parsed.getValue(UserAgent.DEVICE_CLASS);
        String agentClass = parsed.getValue(UserAgent.AGENT_CLASS);
        if (reason == null && bots != null && (isRobotClass(deviceClass) || isRobotClass(agentClass))) {
            reason = Bots.UA_ROBOT;
        }
        if (reason == null && bots != null) {
            reason = bots.patternReason(ua);
        }
        return new Agent(known(parsed.getValue(UserAgent.AGENT_NAME)), known(parsed.getValue(UserAgent.AGENT_VERSION)),
                known(parsed.getValue(UserAgent.OPERATING_SYSTEM_NAME)),
                known(parsed.getValue(UserAgent.OPERATING_SYSTEM_VERSION)), device(deviceClass), reason, true);
    }

    /** Yauaa's classes of agents and devices that are not a person at a browser. */
    static boolean isRobotClass(String cls) {
        return cls != null && (cls.startsWith("Robot") || cls.equals("Hacker") || cls.equals("Cloud Application")
                || cls.equals("Special"));
    }

    /** Yauaa's device class as the {@code device} column holds it: desktop, phone, tablet, tv, console, robot, … */
    static String device(String deviceClass) {
        if (deviceClass == null) {
            return null;
        }
        return switch (deviceClass) {
            case "Desktop" -> "desktop";
            case "Phone" -> "phone";
            case "Mobile" -> "mobile";
            case "Tablet" -> "tablet";
            case "TV", "Set-top box" -> "tv";
            case "Game Console", "Handheld Game Console" -> "console";
            case "Watch" -> "watch";
            case "Virtual Reality", "Augmented Reality" -> "xr";
            case "eReader" -> "ereader";
            case "Car" -> "car";
            case "Voice" -> "voice";
            case "Robot", "Robot Mobile", "Robot Imitator", "Hacker" -> "robot";
            default -> null; // Unknown, Anonymized
        };
    }

    private static String known(String v) {
        if (v == null || v.isEmpty() || v.startsWith("??") || v.equals("Unknown") || v.startsWith("<<<null>>>")) {
            return null;
        }
        return v.length() > 128 ? v.substring(0, 128) : v;
    }
}
