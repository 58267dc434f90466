-- Overrides the proxies hold over a flag source they cannot write (Unleash), shared by every
-- instance on this database (io.strangler.flags.SharedOverrides): a step back by one instance is
-- applied by all, and clearing it on one clears it for all.
CREATE TABLE IF NOT EXISTS flags_override (
    operation  TEXT        PRIMARY KEY,
    mode       TEXT        NOT NULL,
    rollout    INTEGER     NOT NULL CHECK (rollout BETWEEN 0 AND 100),
    reason     TEXT        NOT NULL,
    who        TEXT,
    set_at     TIMESTAMPTZ NOT NULL,
    instance   TEXT        NOT NULL
);
