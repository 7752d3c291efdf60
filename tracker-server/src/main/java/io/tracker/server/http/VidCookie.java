package io.tracker.server.http;

import io.netty.handler.codec.http.cookie.CookieHeaderNames;
import io.netty.handler.codec.http.cookie.DefaultCookie;
import io.netty.handler.codec.http.cookie.ServerCookieEncoder;
import io.tracker.core.config.TrackingConfig;
import java.util.UUID;

/** The {@code vid} cookie browser routes set (spec §5.1), with the attributes of {@code tracking.cookie*}. */
public final class VidCookie {
    private VidCookie() {
    }

    /** The attributes after {@code vid=<uuid>}, made once a second (Expires changes with it), not per hit. */
    private record Attributes(long second, TrackingConfig tracking, String suffix) {
    }

    private static volatile Attributes plain;
    private static volatile Attributes secure;

    /** The Set-Cookie value for {@code vid}; {@code secureRequest}: the request came over HTTPS. */
    public static String encode(UUID vid, TrackingConfig tracking, boolean secureRequest) {
        long second = System.currentTimeMillis() / 1000;
        Attributes a = secureRequest ? secure : plain;
        if (a == null || a.second != second || a.tracking != tracking) {
            String full = build("-", tracking, secureRequest);
            a = new Attributes(second, tracking, full.substring("vid=-".length()));
            if (secureRequest) {
                secure = a;
            } else {
                plain = a;
            }
        }
        return "vid=" + vid + a.suffix;
    }

    static String build(String value, TrackingConfig tracking, boolean secureRequest) {
        DefaultCookie c = new DefaultCookie("vid", value);
        c.setPath("/");
        c.setMaxAge(tracking.cookieMaxAgeDays() * 86_400L);
        c.setSameSite(CookieHeaderNames.SameSite.valueOf(tracking.cookieSameSite()));
        c.setSecure(switch (tracking.cookieSecure()) {
            case "always" -> true;
            case "never" -> false;
            default -> secureRequest || "None".equals(tracking.cookieSameSite());
        });
        c.setHttpOnly(tracking.cookieHttpOnly());
        if (!tracking.cookieDomain().isEmpty()) {
            c.setDomain(tracking.cookieDomain());
        }
        return ServerCookieEncoder.STRICT.encode(c);
    }
}
