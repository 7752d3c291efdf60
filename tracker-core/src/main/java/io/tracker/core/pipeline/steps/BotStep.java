package io.tracker.core.pipeline.steps;

import io.tracker.core.enrich.Bots;
import io.tracker.core.enrich.UserAgents;
import io.tracker.core.pipeline.EventContext;
import io.tracker.core.pipeline.Route;
import io.tracker.core.pipeline.Step;
import io.tracker.core.pipeline.StepResult;
import java.util.Map;

/**
 * {@code is_bot} and {@code bot_reason} (see {@link Bots} for the reasons, judged in that order), set by the server
 * whatever the client sent: true with the first reason that holds, else false. With {@code enrich.bots.action=drop}
 * a bot's event is dropped instead (counted as {@code bots/bot}; the client is answered as usual). Server-side hits
 * ({@code /tr/v1/str/}) are never judged: their User-Agent is a server's.
 */
public final class BotStep implements Step {
    private final UserAgents agents;
    private final Bots bots;
    private final boolean drop;

    public BotStep(UserAgents agents, Bots bots, boolean drop) {
        this.agents = agents;
        this.bots = bots;
        this.drop = drop;
    }

    @Override
    public String name() {
        return "bots";
    }

    @Override
    public StepResult apply(EventContext event) {
        var req = event.request();
        if (req.route() == Route.SERVER
                || (req.route() == Route.SEGMENT && (req.userAgent() == null || req.userAgent().isBlank()))) {
            return StepResult.CONTINUE; // a server's own call; a Segment message is judged by the agent it names
        }
        Map<String, Object> v = event.values();
        Object webdriver = v.remove("webdriver");
        String reason;
        boolean judged = true;
        if (req.userAgent() == null || req.userAgent().isBlank()) {
            reason = Bots.UA_MISSING;
        } else {
            UserAgents.Agent a = event.agent() != null ? event.agent() : agents.of(req.userAgent(), req.clientHints());
            reason = a.botReason();
            judged = a.judged();
        }
        if (reason == null) {
            reason = bots.ipReason(req.ip());
        }
        if (reason == null && webdriver != null && truthy(webdriver)) {
            reason = Bots.WEBDRIVER;
        }
        if (reason != null && drop) {
            return StepResult.drop("bot");
        }
        if (reason == null && !judged) {
            v.remove("is_bot"); // the parse budget was spent on invented agents: unknown, not a person
            v.remove("bot_reason");
            return StepResult.CONTINUE;
        }
        v.put("is_bot", reason != null);
        if (reason != null) {
            v.put("bot_reason", reason);
        } else {
            v.remove("bot_reason");
        }
        return StepResult.CONTINUE;
    }

    private static boolean truthy(Object o) {
        if (o instanceof Boolean b) {
            return b;
        }
        String s = String.valueOf(o).strip();
        return s.equals("1") || s.equalsIgnoreCase("true");
    }
}
