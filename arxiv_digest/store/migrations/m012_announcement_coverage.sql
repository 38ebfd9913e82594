-- m012_announcement_coverage (issue 27): arXiv's own list of each announcement (its RSS feed, read once per
-- scheduled run) and each digest's reconciliation with it. Ids lists are JSON arrays; missing and flagged are
-- arrays of [arxiv id, where / likely cause].
CREATE TABLE IF NOT EXISTS announcement_feeds (
    category           VARCHAR NOT NULL,
    read_at            TIMESTAMP NOT NULL,  -- UTC
    announcement_date  DATE,                -- the digest date the feed lists; NULL when it could not be read
    items              VARCHAR NOT NULL,    -- JSON [[arxiv id, version, announce type], ...]
    error              VARCHAR,             -- why the feed could not be read
    PRIMARY KEY (category, read_at)
);

CREATE TABLE IF NOT EXISTS digest_coverage (
    category     VARCHAR NOT NULL,
    digest_date  DATE NOT NULL,
    verified     BOOLEAN NOT NULL,
    reason       VARCHAR NOT NULL,   -- why not verified; '' when verified
    read_at      TIMESTAMP,          -- when arXiv's feed was read (UTC)
    announced    VARCHAR NOT NULL,   -- JSON: what arXiv listed as new (and cross, when included)
    held         VARCHAR NOT NULL,   -- JSON: what the digest holds, counted the same way
    added        VARCHAR NOT NULL,   -- JSON: taken because arXiv listed them and the search did not place them
    missing      VARCHAR NOT NULL,   -- JSON: announced, not held here, with where they are
    flagged      VARCHAR NOT NULL,   -- JSON: held here, not in arXiv's list, with the likely cause
    recorded_at  TIMESTAMP NOT NULL,
    PRIMARY KEY (category, digest_date)
);
