-- m003_announcements: a digest is an arXiv announcement. Which announcement (digest) holds each new paper of a
-- category is recorded once, when that digest is first fetched; no later run moves, repeats or drops it.
-- Under the per-day store layout these two tables live in data_dir/ledger.duckdb, shared by every worker.

CREATE TABLE digest_holdings (
    category     VARCHAR NOT NULL,
    arxiv_id     VARCHAR NOT NULL,   -- without version
    digest_date  DATE NOT NULL,
    version      INTEGER NOT NULL,   -- the version the announcement listed
    submitted    TIMESTAMP NOT NULL, -- v1 submission, UTC
    late         BOOLEAN NOT NULL,   -- visible only after its own announcement's digest was built
    claimed_at   TIMESTAMP NOT NULL,
    PRIMARY KEY (category, arxiv_id)
);

CREATE TABLE announcement_fetches (
    category      VARCHAR NOT NULL,
    digest_date   DATE NOT NULL,
    window_start  TIMESTAMP NOT NULL,  -- UTC, exclusive
    window_end    TIMESTAMP NOT NULL,  -- UTC, inclusive
    on_time       INTEGER NOT NULL,
    late          INTEGER NOT NULL,
    fetched_at    TIMESTAMP NOT NULL,
    PRIMARY KEY (category, digest_date)
);

ALTER TABLE digest_papers ADD COLUMN late BOOLEAN DEFAULT FALSE;
