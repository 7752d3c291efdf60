package io.tracker.backends.facebook;

import io.tracker.core.config.SessionConfig;
import io.tracker.core.config.Validation;
import io.tracker.core.session.Session;
import io.tracker.core.session.SessionProvider;
import io.tracker.core.session.SessionSettings;
import java.net.URI;
import java.nio.file.Path;

/** {@code "type": "facebook-capi"}. */
public final class FacebookCapiSessionProvider implements SessionProvider {
    @Override
    public String type() {
        return "facebook-capi";
    }

    @Override
    public Session create(SessionConfig config, String keyPrefix, Path dataDir) {
        String p = keyPrefix + ".settings";
        FacebookCapiSettings s = SessionSettings.bind(config, keyPrefix, FacebookCapiSettings.standard(),
                FacebookCapiSettings.class);
        Validation v = new Validation();
        if (v.notNull(p + ".pixelId", s.pixelId()) && !s.pixelId().matches("\\d{1,30}")) {
            v.fail(p + ".pixelId", "the dataset (pixel) id, digits only");
        }
        if (v.notNull(p + ".accessToken", s.accessToken()) && !s.accessToken().matches("[A-Za-z0-9_\\-|.]{10,1000}")) {
            v.fail(p + ".accessToken", "required: set it through the environment, e.g. "
                    + "TRACKER_SESSIONS_<i>_SETTINGS_ACCESS_TOKEN (its value is not shown)");
        }
        if (v.notNull(p + ".apiVersion", s.apiVersion()) && !s.apiVersion().matches("v\\d{1,3}\\.\\d{1,3}")) {
            v.fail(p + ".apiVersion", "a Graph API version such as v24.0");
        }
        if (v.notNull(p + ".graphUrl", s.graphUrl())) {
            try {
                URI u = new URI(s.graphUrl());
                boolean loopback = u.getHost() != null && (u.getHost().equals("127.0.0.1") || u.getHost().equals("localhost")
                        || u.getHost().equals("[::1]"));
                if (u.getHost() == null || u.getUserInfo() != null || u.getQuery() != null || u.getFragment() != null
                        || !("https".equals(u.getScheme()) || ("http".equals(u.getScheme()) && loopback))) {
                    v.fail(p + ".graphUrl", "https://host[:port][/path] without credentials, query or fragment, or "
                            + "http on a loopback address" + (u.getUserInfo() == null ? " (got '" + s.graphUrl() + "')" : ""));
                }
            } catch (java.net.URISyntaxException e) {
                v.fail(p + ".graphUrl", "not a URL");
            }
        }
        s.events().forEach((ename, event) -> {
            if (event == null || !event.matches("[A-Za-z0-9_ ]{1,50}")) {
                v.fail(p + ".events." + ename, "an event name: letters, digits, spaces and _, at most 50 (got '" + event + "')");
            }
        });
        if (v.notNull(p + ".purchaseEvent", s.purchaseEvent()) && !s.purchaseEvent().matches("[A-Za-z0-9_ ]{0,50}")) {
            v.fail(p + ".purchaseEvent", "an event name (letters, digits, spaces and _), or empty");
        }
        v.oneOf(p + ".actionSource", s.actionSource(), FacebookCapiSession.ACTION_SOURCES.toArray(String[]::new));
        v.range(p + ".marketingBit", s.marketingBit(), 1, Long.MAX_VALUE);
        if (Long.bitCount(s.marketingBit()) != 1) {
            v.fail(p + ".marketingBit", "a single bit such as 8");
        }
        v.range(p + ".consentWhenAbsent", s.consentWhenAbsent(), 0, Long.MAX_VALUE);
        if (v.notNull(p + ".testEventCode", s.testEventCode()) && !s.testEventCode().matches("[A-Za-z0-9]{0,40}")) {
            v.fail(p + ".testEventCode", "letters and digits (Events Manager's test code), or empty");
        }
        v.range(p + ".maxEventsPerRequest", s.maxEventsPerRequest(), 1, 1_000);
        v.range(p + ".requestTimeoutMillis", s.requestTimeoutMillis(), 100, 600_000);
        v.range(p + ".rememberedVisitors", s.rememberedVisitors(), 0, 10_000_000);
        v.range(p + ".rememberedEvents", s.rememberedEvents(), 0, 10_000_000);
        v.throwIfInvalid();
        return new FacebookCapiSession(config.name(), s);
    }
}
