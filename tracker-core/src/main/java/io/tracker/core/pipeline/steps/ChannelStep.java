package io.tracker.core.pipeline.steps;

import io.tracker.core.enrich.Channels;
import io.tracker.core.pipeline.EventContext;
import io.tracker.core.pipeline.Step;
import io.tracker.core.pipeline.StepResult;
import io.tracker.core.pipeline.UrlCodec;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * {@code referrer_host} (the host of {@code last}, the page's referrer) and {@code channel} (GA4's default channel
 * names, see {@link Channels}) where the client sent none. Runs before {@code url} normalisation drops the page
 * URL's query, so click ids and utm parameters on the page URL count too.
 */
public final class ChannelStep implements Step {
    private final Channels channels;

    public ChannelStep(Channels channels) {
        this.channels = channels;
    }

    @Override
    public String name() {
        return "channel";
    }

    @Override
    public StepResult apply(EventContext event) {
        Map<String, Object> v = event.values();
        String referrerHost = text(v.get("referrer_host"));
        if (referrerHost == null) {
            referrerHost = Channels.host(text(v.get("last")));
            if (referrerHost != null) {
                v.put("referrer_host", referrerHost);
            }
        }
        if (text(v.get("channel")) != null) {
            return StepResult.CONTINUE;
        }
        String url = text(v.get("url"));
        Map<String, String> pageQuery = Map.of();
        if (url != null) {
            int q = url.indexOf('?');
            if (q >= 0) {
                int hash = url.indexOf('#', q);
                try {
                    pageQuery = UrlCodec.parseQuery(url.substring(q + 1, hash < 0 ? url.length() : hash));
                } catch (io.tracker.core.pipeline.BadRequestException e) {
                    pageQuery = Map.of(); // a page URL's broken query is not this request's fault
                }
            }
        }
        Set<String> clickIds = new HashSet<>(2);
        for (String id : Channels.CLICK_IDS) {
            if (v.containsKey(id) || pageQuery.containsKey(id)) {
                clickIds.add(id);
            }
        }
        String pageHost = url == null ? null : Channels.host(url);
        if (pageHost == null) {
            pageHost = event.request().host();
        }
        v.put("channel", channels.channel(utm(v, pageQuery, "source"), utm(v, pageQuery, "medium"),
                utm(v, pageQuery, "campaign"), clickIds, referrerHost, pageHost));
        return StepResult.CONTINUE;
    }

    private static String utm(Map<String, Object> v, Map<String, String> pageQuery, String key) {
        String s = text(v.get(key));
        if (s == null) {
            s = text(v.get("utm_" + key));
        }
        if (s == null) {
            s = text(pageQuery.get("utm_" + key));
        }
        return s;
    }

    private static String text(Object o) {
        if (o instanceof String s) {
            String t = s.strip();
            return t.isEmpty() ? null : t;
        }
        return null;
    }
}
