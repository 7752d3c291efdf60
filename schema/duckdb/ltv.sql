-- ltv: append-only increments of lifetime value per (id_type, id); the total is SUM(paid), no read-modify-write.
-- Applied at start-up; idempotent.
CREATE TABLE IF NOT EXISTS ltv (
    eid        UUID NOT NULL,
    hhash      VARCHAR,
    id         UUID,
    id_type    VARCHAR,
    paid       DECIMAL(18,4),
    oid        UUID,
    org        VARCHAR,
    updater    UUID,
    owner      UUID,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP
);
