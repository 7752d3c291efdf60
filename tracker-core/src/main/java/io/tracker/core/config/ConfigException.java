package io.tracker.core.config;

/** A configuration problem; the message names the offending key so the operator can fix it. */
public final class ConfigException extends RuntimeException {
    public ConfigException(String message) {
        super(message);
    }

    public ConfigException(String message, Throwable cause) {
        super(message, cause);
    }
}
