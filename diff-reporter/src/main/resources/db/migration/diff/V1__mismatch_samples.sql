-- Samples of calls the two backends answered inconsistently, kept for people to read.
-- Written by io.strangler.diff.report.MismatchStore: capped per API per hour, deleted by age.
CREATE TABLE diff_mismatch_sample (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    api            TEXT        NOT NULL,
    request_id     TEXT        NOT NULL,
    at             TIMESTAMPTZ NOT NULL,
    verdict        TEXT        NOT NULL,
    mode           TEXT        NOT NULL,
    recheck        TEXT        NOT NULL,
    request        JSONB       NOT NULL,
    -- answer | failure | timed_out | dropped; the answer is the body, or {code, message}, or NULL
    legacy_outcome TEXT        NOT NULL,
    legacy_answer  JSONB,
    new_outcome    TEXT        NOT NULL,
    new_answer     JSONB,
    field_diffs    JSONB       NOT NULL,
    unified_diff   TEXT        NOT NULL
);

-- recent(): newest first, of all APIs or one; retention: by age.
CREATE INDEX diff_mismatch_sample_at ON diff_mismatch_sample (at DESC, id DESC);
CREATE INDEX diff_mismatch_sample_api_at ON diff_mismatch_sample (api, at DESC, id DESC);
