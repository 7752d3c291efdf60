-- erasures: one row per data-subject erasure (subject = the erased vid or uid, id_type says which).
-- Applied at start-up; idempotent.
CREATE TABLE IF NOT EXISTS erasures (
    eid        UUID NOT NULL,
    subject    UUID,
    id_type    VARCHAR,
    created_at TIMESTAMP NOT NULL
);
