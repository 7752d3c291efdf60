package io.tracker.core.config;

/**
 * Lifetime value (spec §6).
 *
 * @param requireKey when true every {@code POST /tr/v1/ltv/} needs a credential (the admin token or account today);
 *                   when false only refunds (a negative amount, which lowers someone's total) do
 */
public record LtvConfig(boolean requireKey) {
    public static LtvConfig standard() {
        return new LtvConfig(false);
    }
}
