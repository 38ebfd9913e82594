-- m014_listed_revisions (issue 26): new versions of papers the reader liked or saved, each listed once per
-- category, in the digest whose submission window holds the version's submission. revision_lookups records
-- that a digest's revisions were asked of arXiv, so a rerun of the day asks again for nothing.
CREATE TABLE IF NOT EXISTS revision_lookups (
    category      VARCHAR NOT NULL,
    digest_date   DATE NOT NULL,
    asked         INTEGER NOT NULL,    -- how many liked or saved papers were asked about (0: no request)
    looked_up_at  TIMESTAMP NOT NULL,  -- UTC
    PRIMARY KEY (category, digest_date)
);

CREATE TABLE IF NOT EXISTS listed_revisions (
    category     VARCHAR NOT NULL,
    arxiv_id     VARCHAR NOT NULL,
    version      INTEGER NOT NULL,
    digest_date  DATE NOT NULL,       -- the digest that lists it
    title        VARCHAR NOT NULL,
    updated      TIMESTAMP NOT NULL,  -- the version's submission, UTC
    comment      VARCHAR,             -- arXiv's comment on the version
    journal_ref  VARCHAR,
    held_by      VARCHAR NOT NULL,    -- JSON [[profile, "library" | "likes", version met], ...]
    listed_at    TIMESTAMP NOT NULL,
    PRIMARY KEY (category, arxiv_id, version)
);
