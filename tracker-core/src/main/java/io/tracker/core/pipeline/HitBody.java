package io.tracker.core.pipeline;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * A tracking body: empty (one event from path/query/cookies), a JSON object (one event) or a JSON
 * array of objects (one event each). Anything else is a 400 with the reason, and nothing of the
 * request is recorded.
 */
public final class HitBody {
    private HitBody() {
    }

    /** The event objects of {@code body}; a single null element for an empty body. */
    public static List<ObjectNode> parse(ObjectMapper mapper, byte[] body, int maxEvents) throws BadRequestException {
        if (isBlank(body)) {
            return Collections.singletonList(null);
        }
        JsonNode node;
        try {
            // ASCII (nearly every tracking body) is UTF-8 as it stands: the parser reads the bytes, no String between.
            node = isAscii(body) ? mapper.readTree(body) : mapper.readTree(UrlCodec.strictUtf8(body, "request body"));
        } catch (JsonParseException e) {
            throw new BadRequestException("invalid_json", "request body is not valid JSON: " + e.getOriginalMessage()
                    + " at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr());
        } catch (JsonProcessingException e) {
            throw new BadRequestException("invalid_json", "request body is not valid JSON: " + e.getOriginalMessage());
        } catch (java.io.IOException e) { // (reading a byte array: never, but declared)
            throw new BadRequestException("invalid_json", "request body is not valid JSON");
        }
        if (node instanceof ObjectNode obj) {
            return Collections.singletonList(obj);
        }
        if (node != null && node.isArray()) {
            if (node.size() > maxEvents) {
                throw new BadRequestException("too_many_events",
                        "a batch holds at most " + maxEvents + " events (got " + node.size() + ")");
            }
            List<ObjectNode> events = new ArrayList<>(node.size());
            for (int i = 0; i < node.size(); i++) {
                if (!(node.get(i) instanceof ObjectNode obj)) {
                    throw new BadRequestException("not_an_object", "array element " + i + " is not a JSON object");
                }
                events.add(obj);
            }
            return events;
        }
        throw new BadRequestException("not_an_object", "request body must be a JSON object or an array of objects");
    }

    /** ASCII without NUL (with NULs Jackson would guess UTF-16/32 from the first bytes; the strict path refuses). */
    private static boolean isAscii(byte[] body) {
        for (byte b : body) {
            if (b <= 0) {
                return false;
            }
        }
        return true;
    }

    private static boolean isBlank(byte[] body) {
        for (byte b : body) {
            if (b != ' ' && b != '\n' && b != '\r' && b != '\t') {
                return false;
            }
        }
        return true;
    }
}
