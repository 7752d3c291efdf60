package io.tracker.core.config;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Collects every configuration error, so one start-up attempt reports them all. */
public final class Validation {
    private final List<String> errors = new ArrayList<>();

    public boolean notNull(String key, Object value) {
        if (value == null) {
            errors.add(key + ": is required");
            return false;
        }
        return true;
    }

    public void notBlank(String key, String value) {
        if (notNull(key, value) && value.isBlank()) {
            errors.add(key + ": must not be empty");
        }
    }

    public void range(String key, long value, long min, long max) {
        if (value < min || value > max) {
            errors.add(key + ": must be between " + min + " and " + max + " (got " + value + ")");
        }
    }

    public void oneOf(String key, String value, String... allowed) {
        if (notNull(key, value) && !Arrays.asList(allowed).contains(value)) {
            errors.add(key + ": must be one of " + String.join(", ", allowed) + " (got '" + value + "')");
        }
    }

    /** Each entry a web origin ({@code scheme://host[:port]}, no path, no wildcard). */
    public void origins(String key, java.util.List<String> origins) {
        for (int i = 0; i < origins.size(); i++) {
            String o = origins.get(i);
            if (o == null || !o.matches("https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?")) {
                fail(key + "[" + i + "]", "must be an origin such as https://www.example.com "
                        + "(scheme://host[:port], no path, no wildcard)");
            }
        }
    }

    public void fail(String key, String message) {
        errors.add(key + ": " + message);
    }

    public void throwIfInvalid() {
        if (!errors.isEmpty()) {
            throw new ConfigException("invalid configuration:\n  " + String.join("\n  ", errors));
        }
    }
}
