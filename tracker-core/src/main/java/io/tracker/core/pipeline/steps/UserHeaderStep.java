package io.tracker.core.pipeline.steps;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tracker.core.pipeline.BadRequestException;
import io.tracker.core.pipeline.EventContext;
import io.tracker.core.pipeline.Step;
import io.tracker.core.pipeline.StepResult;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;

/** Spec §3 step 1: the {@code User} header holds a JSON object of values (lowest precedence). */
public final class UserHeaderStep implements Step {
    private final ObjectMapper mapper;

    public UserHeaderStep(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    @Override
    public String name() {
        return "user-header";
    }

    @Override
    public StepResult apply(EventContext event) throws BadRequestException {
        String header = event.request().userHeader();
        if (header == null || header.isBlank()) {
            return StepResult.CONTINUE;
        }
        JsonNode node;
        try {
            node = mapper.readTree(header);
        } catch (Exception e) {
            throw new BadRequestException("bad_user_header", "User header is not valid JSON");
        }
        if (node == null || !node.isObject()) {
            throw new BadRequestException("bad_user_header", "User header must be a JSON object");
        }
        Iterator<Map.Entry<String, JsonNode>> it = node.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            Values.putJson(event.values(), e.getKey().toLowerCase(Locale.ROOT), e.getValue(), false);
        }
        return StepResult.CONTINUE;
    }
}
