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

    /** The Set-Cookie value for {@code vid}; {@code secureRequest}: the request came over HTTPS. */
    public static String encode(UUID vid, TrackingConfig tracking, boolean secureRequest) {
        DefaultCookie c = new DefaultCookie("vid", vid.toString());
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
