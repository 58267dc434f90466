-- Flags shared by every proxy instance on this database (io.strangler.flags.PostgresFlags): one
-- flags document (the flags file's JSON) and its version, bumped by every change.
CREATE TABLE IF NOT EXISTS flags_document (
    id         SMALLINT    PRIMARY KEY DEFAULT 1 CHECK (id = 1),
    version    BIGINT      NOT NULL,
    document   JSONB       NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_by TEXT
);

-- Which flags each instance applies (io.strangler.flags.FlagVersions), whatever its source: the
-- shared document's version (null for another source) and a digest of the flags in force,
-- overrides included. seen_at is the database's clock, refreshed every couple of seconds.
CREATE TABLE IF NOT EXISTS flags_instance (
    instance   TEXT        PRIMARY KEY,
    source     TEXT        NOT NULL,
    version    BIGINT,
    digest     TEXT        NOT NULL,
    applied_at TIMESTAMPTZ NOT NULL,
    seen_at    TIMESTAMPTZ NOT NULL DEFAULT now()
);
