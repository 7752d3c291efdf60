package io.tracker.core.config;

/**
 * The Segment HTTP Tracking API ({@code api.segment}): where Segment, RudderStack and Jitsu SDKs send, with an
 * {@code ingest} API key as their write key.
 *
 * @param enabled         whether {@code {prefix}/batch}, {@code /track}, {@code /page}, ... are served
 * @param prefix          the API's path ({@code /v1}, as the SDKs' default); must not overlap the tracker's own paths
 * @param maxBatchBytes   the largest (decompressed) batch body: Segment's 500 KB; beyond it a 400
 * @param maxMessageBytes the largest single message: Segment's 32 KB; beyond it a 400
 * @param maxBackdateDays a message's corrected timestamp older than this is stored at its receipt (the client's
 *                        time kept in {@code params.timestamp}); one in the future is stored at its receipt too
 * @param dedupSeconds    how long a {@code messageId} accepted on this node makes a retry of it a no-op
 * @param dedupEntries    the most message ids remembered for that (oldest dropped first)
 */
public record SegmentConfig(boolean enabled, String prefix, int maxBatchBytes, int maxMessageBytes, int maxBackdateDays,
                            int dedupSeconds, int dedupEntries) {

    public static SegmentConfig standard() {
        return new SegmentConfig(true, "/v1", 500 * 1024, 32 * 1024, 365, 86_400, 100_000);
    }

    /** The prefix without a trailing slash. */
    public String base() {
        return prefix.endsWith("/") ? prefix.substring(0, prefix.length() - 1) : prefix;
    }

    void validate(Validation v) {
        if (prefix == null || !prefix.matches("/[A-Za-z0-9._~/-]+")) {
            v.fail("api.segment.prefix", "must be a path like /v1");
        } else if (base().equals("/tr") || base().startsWith("/tr/")) {
            v.fail("api.segment.prefix", "must not be under the tracker's own /tr/");
        }
        v.range("api.segment.maxBatchBytes", maxBatchBytes, 1024, 64 * 1024 * 1024);
        v.range("api.segment.maxMessageBytes", maxMessageBytes, 256, maxBatchBytes);
        v.range("api.segment.maxBackdateDays", maxBackdateDays, 0, 36_500);
        v.range("api.segment.dedupSeconds", dedupSeconds, 0, 30 * 86_400);
        v.range("api.segment.dedupEntries", dedupEntries, 0, 10_000_000);
    }
}
