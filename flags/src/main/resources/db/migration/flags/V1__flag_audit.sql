-- Every flag change a flag source saw, newest last (id is the order they were seen in).
CREATE TABLE flag_audit (
    id         BIGSERIAL   PRIMARY KEY,
    at         TIMESTAMPTZ NOT NULL,
    source     TEXT        NOT NULL,
    api        TEXT        NOT NULL,
    from_value TEXT        NOT NULL,
    to_value   TEXT        NOT NULL,
    who        TEXT
);
