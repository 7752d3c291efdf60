package io.tracker.core.pipeline.steps;

import io.tracker.core.pipeline.EventContext;
import io.tracker.core.pipeline.EventIds;
import io.tracker.core.pipeline.Step;
import io.tracker.core.pipeline.StepResult;
import java.util.UUID;

/**
 * Spec §4.3: event, visitor and session ids. A client {@code eid} that is a valid UUID is kept, else a
 * time-ordered UUIDv7 is generated. A missing or invalid {@code vid} is generated and <em>stored</em>
 * (quirk §18.2 fixed); {@code sid} defaults to the new vid for a new visitor, else a new id. A Segment message's
 * {@code created_at} (epoch ms, no later than its receipt) is its event time.
 */
public final class IdentityStep implements Step {
    private final EventIds ids;

    public IdentityStep(EventIds ids) {
        this.ids = ids;
    }

    @Override
    public String name() {
        return "identity";
    }

    @Override
    public StepResult apply(EventContext event) {
        UUID eid = EventIds.parse(event.values().get("eid"));
        event.setEid(eid != null ? eid : ids.next());
        UUID vid = EventIds.parse(event.values().get("vid"));
        boolean isNew = vid == null;
        if (isNew) {
            vid = event.requestVid() != null ? event.requestVid() : ids.next();
        }
        UUID sid = EventIds.parse(event.values().get("sid"));
        if (sid == null) {
            sid = isNew ? vid : ids.next();
        }
        event.setIdentity(vid, sid, isNew);
        // The Segment API's clock-corrected timestamp (computed and bounded by its route, which needs an ingest key):
        // the only route whose events may say when they happened.
        if (event.request().route() == io.tracker.core.pipeline.Route.SEGMENT && event.request().tenant() != null
                && event.values().get("created_at") instanceof Long at) {
            event.setCreatedAt(at);
        }
        return StepResult.CONTINUE;
    }
}
