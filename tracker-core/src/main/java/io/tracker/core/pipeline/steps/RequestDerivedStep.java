package io.tracker.core.pipeline.steps;

import io.tracker.core.pipeline.EventContext;
import io.tracker.core.pipeline.Route;
import io.tracker.core.pipeline.Step;
import io.tracker.core.pipeline.StepResult;
import io.tracker.core.privacy.Hashes;
import java.util.Locale;
import java.util.Map;

/**
 * Spec §4.1–§4.5: values the server derives from the request, overriding anything the client sent:
 * {@code hhash} (host without port, quirk §18.6 fixed) and {@code host} (that host, lower-cased), {@code iphash}, {@code bhash} and {@code culture}
 * (browser routes only, as {@code /str/} calls come from servers), and {@code ip} as {@code privacy.ipMode} allows.
 */
public final class RequestDerivedStep implements Step {
    private final io.tracker.core.privacy.IpAnonymizer ips;

    public RequestDerivedStep(io.tracker.core.privacy.IpAnonymizer ips) {
        this.ips = ips;
    }

    @Override
    public String name() {
        return "request-derived";
    }

    @Override
    public StepResult apply(EventContext event) {
        Map<String, Object> values = event.values();
        var req = event.request();
        values.remove("ip");
        if (req.host() != null && !req.host().isEmpty()) {
            values.put("hhash", Hashes.hostHash(req.host()));
            values.put("host", req.host().toLowerCase(Locale.ROOT)); // what hhash hashes: the hosts side table
        } else {
            values.remove("hhash");
            values.remove("host");
        }
        if (req.ip() != null && !req.ip().isEmpty()) {
            String iphash = ips.iphash(req.ip());
            if (iphash != null) {
                values.put("iphash", iphash);
            } else {
                values.remove("iphash");
            }
            String stored = ips.apply(req.ip());
            if (stored != null) {
                values.put("ip", stored);
            }
        } else {
            values.remove("iphash");
        }
        if (req.route() != Route.SERVER) {
            if (req.userAgent() != null && !req.userAgent().isBlank()) {
                values.put("bhash", Hashes.browserHash(req.userAgent()));
            }
            String culture = culture(req.acceptLanguage());
            if (culture != null) {
                values.put("culture", culture);
            }
        }
        return StepResult.CONTINUE;
    }

    /** First language of Accept-Language, lower-case, without its quality: {@code en-US,en;q=0.9} → {@code en-us}. */
    static String culture(String acceptLanguage) {
        if (acceptLanguage == null) {
            return null;
        }
        int end = acceptLanguage.indexOf(',');
        end = end < 0 ? acceptLanguage.length() : end;
        int semi = acceptLanguage.indexOf(';');
        if (semi >= 0 && semi < end) {
            end = semi;
        }
        String first = acceptLanguage.substring(0, end).trim().toLowerCase(Locale.ROOT);
        return first.isEmpty() || first.equals("*") ? null : first;
    }
}
