-- VisitorGrains on PostgreSQL: grain journals and Orleans cluster membership.
-- The silos run this at start (idempotent, under an advisory lock); a DBA may run it ahead instead and
-- give the silos' role only SELECT/INSERT/UPDATE/DELETE on these tables.
-- Stream names are compared byte-wise (COLLATE "C") so that a prefix is a range of the primary key.

-- A grain's last checkpoint.
CREATE TABLE IF NOT EXISTS vg_snapshot (
    stream   text COLLATE "C" NOT NULL PRIMARY KEY,
    seq      bigint      NOT NULL,
    state    bytea       NOT NULL,
    saved_at timestamptz NOT NULL DEFAULT now()
);

-- Journal entries: those past the checkpoint are replayed on activation; visitors' older entries are
-- the event history (backtests) until retention trims them.
CREATE TABLE IF NOT EXISTS vg_entry (
    stream text COLLATE "C" NOT NULL,
    seq    bigint NOT NULL,
    entry  bytea  NOT NULL,
    at     bigint NOT NULL DEFAULT 0,   -- when it happened, epoch milliseconds
    owes   boolean NOT NULL DEFAULT true, -- may still owe a delivery (a visitor's to its company): recovery wakes its grain
    PRIMARY KEY (stream, seq)
);
-- Tables created before entries said whether they owe anything.
ALTER TABLE vg_entry ADD COLUMN IF NOT EXISTS owes boolean NOT NULL DEFAULT true;
CREATE INDEX IF NOT EXISTS vg_entry_at ON vg_entry (at);

-- Orleans membership: one version row per cluster, one row per silo incarnation. The entry itself is
-- Orleans' serialized MembershipEntry; the columns beside it are for gateways, people and cleanup.
CREATE TABLE IF NOT EXISTS vg_cluster_version (
    cluster_id text   NOT NULL PRIMARY KEY,
    version    int    NOT NULL,
    etag       bigint NOT NULL
);

CREATE TABLE IF NOT EXISTS vg_cluster_member (
    cluster_id   text        NOT NULL,
    address      text        NOT NULL,   -- ip:port@generation
    entry        bytea       NOT NULL,
    etag         bigint      NOT NULL,
    status       text        NOT NULL,
    gateway      text,                   -- gwy.tcp://ip:port/generation for Orleans clients, when active
    silo_name    text        NOT NULL,
    i_am_alive   timestamptz NOT NULL,
    PRIMARY KEY (cluster_id, address)
);
