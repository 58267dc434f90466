-- The control plane's store: the entities of the control API v1 (docs/control-api.md).
-- Why each table, column and index is here: docs/controlplane-schema.md.
--
-- Every identifier column is COLLATE "C": ids are ASCII, the contract orders machines and
-- containers by id the way Java's String.compareTo does (bytewise), and "C" btrees give that
-- order straight from the index whatever the database's default collation is.
-- Times are timestamptz holding the millisecond instants of the calls that wrote them.

CREATE TABLE regions (
  name text COLLATE "C" PRIMARY KEY
);

CREATE TABLE clusters (
  name   text COLLATE "C" PRIMARY KEY,
  region text COLLATE "C" NOT NULL REFERENCES regions (name)
);

-- A repl's region is its cluster's region (the contract moves them together), so it is not
-- stored here: read it through clusters.
CREATE TABLE repls (
  repl_id             text COLLATE "C" PRIMARY KEY,
  owner_id            text COLLATE "C" NOT NULL,
  slug                text COLLATE "C" NOT NULL,
  cluster             text COLLATE "C" NOT NULL REFERENCES clusters (name),
  pending_transfer_to text COLLATE "C" REFERENCES clusters (name),
  created_at          timestamptz NOT NULL,
  CONSTRAINT repls_slug_key UNIQUE (slug),
  -- A lazy transfer to the repl's own cluster cancels the pending one; it is never stored.
  CONSTRAINT repls_pending_elsewhere CHECK (pending_transfer_to <> cluster)
);

-- running_containers is kept by the statements that start and stop containers, in the same
-- transaction, so that placement reads load without counting and claims a slot with one
-- conditional UPDATE (running_containers < capacity). It can exceed capacity only when
-- RegisterMachine lowers the capacity of a busy machine.
CREATE TABLE machines (
  machine_id         text COLLATE "C" PRIMARY KEY,
  cluster            text COLLATE "C" NOT NULL REFERENCES clusters (name),
  address            text NOT NULL,
  capacity           integer NOT NULL CHECK (capacity BETWEEN 1 AND 100000),
  state              text NOT NULL CHECK (state IN ('ACTIVE', 'DRAINING')),
  cpu_percent        double precision NOT NULL CHECK (cpu_percent BETWEEN 0 AND 100),
  running_containers integer NOT NULL DEFAULT 0 CHECK (running_containers >= 0),
  registered_at      timestamptz NOT NULL,
  last_heartbeat_at  timestamptz NOT NULL,
  -- ListMachines and placement read a cluster's machines in machineId order from this index;
  -- it is also the target of containers' (cluster, machine_id) foreign key.
  CONSTRAINT machines_cluster_machine_key UNIQUE (cluster, machine_id)
);

CREATE TABLE containers (
  container_id text COLLATE "C" PRIMARY KEY,
  repl_id      text COLLATE "C" NOT NULL REFERENCES repls (repl_id),
  machine_id   text COLLATE "C" NOT NULL,
  cluster      text COLLATE "C" NOT NULL,
  state        text NOT NULL CHECK (state IN ('RUNNING', 'STOPPED')),
  started_at   timestamptz NOT NULL,
  stopped_at   timestamptz,
  -- A container runs in its machine's cluster.
  CONSTRAINT containers_machine_fk FOREIGN KEY (cluster, machine_id)
    REFERENCES machines (cluster, machine_id),
  CONSTRAINT containers_stopped_at CHECK ((state = 'STOPPED') = (stopped_at IS NOT NULL))
);

-- The invariant of the contract: at most one RUNNING container per repl, held here under any
-- concurrency. ConnectRepl's INSERT names this index as its ON CONFLICT arbiter.
CREATE UNIQUE INDEX containers_one_running_per_repl ON containers (repl_id)
  WHERE state = 'RUNNING';

-- ListContainers by repl or by machine, in the contract's order, straight from the index.
CREATE INDEX containers_by_repl ON containers (repl_id, started_at, container_id);
CREATE INDEX containers_by_machine ON containers (machine_id, started_at, container_id);

-- One row per repl: the tombstone of its last move, live while expires_at is after the call's
-- now. from/to are plain names, not foreign keys: a tombstone outlives topology changes.
CREATE TABLE tombstones (
  repl_id      text COLLATE "C" PRIMARY KEY REFERENCES repls (repl_id),
  from_cluster text COLLATE "C" NOT NULL,
  to_cluster   text COLLATE "C" NOT NULL,
  created_at   timestamptz NOT NULL,
  expires_at   timestamptz NOT NULL,
  CONSTRAINT tombstones_expire_after_creation CHECK (expires_at > created_at)
);
