package io.tracker.core.pipeline.steps;

import io.tracker.core.enrich.UserAgents;
import io.tracker.core.pipeline.EventContext;
import io.tracker.core.pipeline.Route;
import io.tracker.core.pipeline.Step;
import io.tracker.core.pipeline.StepResult;
import java.util.Map;

/**
 * {@code browser}, {@code browser_version}, {@code os}, {@code os_version} and {@code device} (its class: desktop,
 * phone, tablet, tv, console, robot, …) from the User-Agent and its client hints, where the client sent none.
 * Not on {@code /tr/v1/str/}: a server's User-Agent is its HTTP library, not the visitor's browser.
 */
public final class UserAgentStep implements Step {
    private final UserAgents agents;

    public UserAgentStep(UserAgents agents) {
        this.agents = agents;
    }

    @Override
    public String name() {
        return "user-agent";
    }

    @Override
    public StepResult apply(EventContext event) {
        var req = event.request();
        if (req.route() == Route.SERVER || req.userAgent() == null) {
            return StepResult.CONTINUE;
        }
        UserAgents.Agent a = agents.of(req.userAgent(), req.clientHints());
        event.setAgent(a);
        Map<String, Object> v = event.values();
        putIfAbsent(v, "browser", a.browser());
        putIfAbsent(v, "browser_version", a.browserVersion());
        putIfAbsent(v, "os", a.os());
        putIfAbsent(v, "os_version", a.osVersion());
        putIfAbsent(v, "device", a.device());
        return StepResult.CONTINUE;
    }

    private static void putIfAbsent(Map<String, Object> v, String key, String value) {
        if (value != null) {
            Object sent = v.get(key);
            if (sent == null || (sent instanceof String s && s.isBlank())) {
                v.put(key, value);
            }
        }
    }
}
