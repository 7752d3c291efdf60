package io.tracker.backends.facebook;

import java.util.Map;

/**
 * {@code sessions[].settings} of a {@code facebook-capi} session (Meta's Conversions API).
 *
 * @param pixelId             the dataset (pixel) id events are sent to
 * @param accessToken         the Conversions API token; give it through the environment
 *                            ({@code TRACKER_SESSIONS_<i>_SETTINGS_ACCESS_TOKEN}); sent in the request body, never in a
 *                            URL, never logged
 * @param apiVersion          Graph API version, e.g. {@code v24.0}
 * @param graphUrl            the Graph API's base URL; https, or http on a loopback address (tests)
 * @param events              which {@code ename}s are forwarded, and as which event: {@code {"purchase": "Purchase",
 *                            "signup": "CompleteRegistration", "page_view": "PageView"}}. Others are not sent
 * @param purchaseEvent       the event a {@code payments} row (an LTV line item) is sent as; empty: payments are not
 *                            forwarded
 * @param actionSource        {@code website}, {@code app}, {@code email}, {@code phone_call}, {@code chat},
 *                            {@code physical_store}, {@code system_generated}, {@code business_messaging} or
 *                            {@code other}; a {@code website} row without a page URL and a user agent goes as
 *                            {@code other} (the API refuses website events without them)
 * @param marketingBit        the consent bit that must be set for a row to be forwarded (8, the tracker's marketing bit)
 * @param consentWhenAbsent   the consent bits assumed for a row whose visitor's consent is unknown (no cflags on the
 *                            event, no agreement seen): 0 = such rows are never forwarded
 * @param testEventCode       Events Manager's test code (empty: live events)
 * @param maxEventsPerRequest events per API request (the API takes at most 1000)
 * @param requestTimeoutMillis one request's time limit
 * @param rememberedVisitors  visitors whose consent (from agreements and events) the session keeps in memory, so a
 *                            payment without consent flags of its own is gated by its visitor's
 * @param rememberedEvents    event ids the API acknowledged that the session keeps in memory, so a retried batch
 *                            does not send them again
 */
public record FacebookCapiSettings(
        String pixelId,
        String accessToken,
        String apiVersion,
        String graphUrl,
        Map<String, String> events,
        String purchaseEvent,
        String actionSource,
        long marketingBit,
        long consentWhenAbsent,
        String testEventCode,
        int maxEventsPerRequest,
        int requestTimeoutMillis,
        int rememberedVisitors,
        int rememberedEvents) {

    public FacebookCapiSettings {
        events = events == null ? Map.of() : Map.copyOf(events);
    }

    public static FacebookCapiSettings standard() {
        return new FacebookCapiSettings("", "", "v24.0", "https://graph.facebook.com",
                Map.of("purchase", "Purchase", "lead", "Lead", "signup", "CompleteRegistration"), "Purchase",
                "website", 8, 0, "", 1_000, 30_000, 100_000, 100_000);
    }

    @Override
    public String toString() {
        return "FacebookCapiSettings[pixelId=" + pixelId + ", apiVersion=" + apiVersion + ", graphUrl=" + graphUrl
                + ", accessToken=***]";
    }
}
