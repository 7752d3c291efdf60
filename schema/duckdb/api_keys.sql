-- api_keys: the tenants' API keys, append-only (a revocation is one more row of the key with revoked true). Only the
-- SHA-256 of a key's secret is stored. Applied at start-up; idempotent.
CREATE TABLE IF NOT EXISTS api_keys (
    eid        UUID NOT NULL,
    id         VARCHAR,
    key_sha256 VARCHAR,
    oid        UUID,
    scopes     VARCHAR,
    name       VARCHAR,
    revoked    BOOLEAN,
    created_at TIMESTAMP NOT NULL
);
