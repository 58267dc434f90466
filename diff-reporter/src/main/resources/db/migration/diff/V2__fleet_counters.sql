-- Per-API, per-minute counters of every proxy instance, summed by readers into the fleet's
-- readiness. Written by io.strangler.diff.report.FleetCounters, read by FleetReadiness.
--
-- One row per (instance, run, API, minute): a run is one process's life, so a restart under the
-- same instance id adds rows instead of overwriting the ones its predecessor wrote. A row holds the
-- run's totals for that minute (not a delta): writing it again is harmless. The minute is the
-- writer's clock, truncated; readers sum the minutes of their window.
CREATE TABLE diff_fleet_minute (
    instance          TEXT        NOT NULL,
    run_id            UUID        NOT NULL,
    api               TEXT        NOT NULL,
    minute            TIMESTAMPTZ NOT NULL,
    -- results by verdict, lower case: {"match": 10, "mismatch": 1, ...}
    verdicts          JSONB       NOT NULL,
    compared          BIGINT      NOT NULL,
    consistent        BIGINT      NOT NULL,
    not_compared      BIGINT      NOT NULL,
    legacy_calls      BIGINT      NOT NULL,
    legacy_errors     BIGINT      NOT NULL,
    legacy_timeouts   BIGINT      NOT NULL,
    -- latency counts in LatencyBuckets: bucket 0 up to 100 us, bucket i up to 100 us * 2^(i/4)
    legacy_latency    BIGINT[]    NOT NULL,
    new_calls         BIGINT      NOT NULL,
    new_errors        BIGINT      NOT NULL,
    new_timeouts      BIGINT      NOT NULL,
    new_latency       BIGINT[]    NOT NULL,
    written_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (instance, run_id, api, minute)
);

-- Readers ask for a window of minutes; retention deletes by minute.
CREATE INDEX diff_fleet_minute_minute ON diff_fleet_minute (minute);

-- The instances that write counters, one row per run: when it started and last flushed (the
-- database's clock), when it stopped cleanly.
CREATE TABLE diff_fleet_instance (
    instance          TEXT        NOT NULL,
    run_id            UUID        NOT NULL,
    started_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_flush_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    stopped_at        TIMESTAMPTZ,
    PRIMARY KEY (instance, run_id)
);
