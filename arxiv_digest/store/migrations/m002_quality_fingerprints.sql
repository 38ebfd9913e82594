-- What the quality suites last saw for a digest: a rerun whose inputs (and rules) are unchanged reuses the
-- stored results instead of validating again.
CREATE TABLE quality_fingerprints (
    digest_date  DATE NOT NULL,
    category     VARCHAR NOT NULL,
    fingerprint  VARCHAR NOT NULL,
    checked_at   TIMESTAMP NOT NULL,
    PRIMARY KEY (digest_date, category)
);
