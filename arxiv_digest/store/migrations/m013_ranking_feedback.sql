-- The reader's feedback a profile's ranking of a day used (issue 26). The feedback lives in the reader's own file
-- (reader.duckdb, written by the web app); a rerun of the day reads only the events up to feedback_until, so it
-- ranks exactly as the first run did, whatever the reader clicked since.
CREATE TABLE IF NOT EXISTS ranking_feedback (
    digest_date     DATE NOT NULL,
    category        VARCHAR NOT NULL,
    profile         VARCHAR NOT NULL,
    feedback_until  TIMESTAMP,          -- the newest event used; NULL: there was none
    events          INTEGER NOT NULL,   -- how many events were read
    likes           INTEGER NOT NULL,
    dislikes        INTEGER NOT NULL,
    learned         BOOLEAN NOT NULL,   -- false: too little feedback, the static ranking was used
    ranked_at       TIMESTAMP NOT NULL,
    PRIMARY KEY (digest_date, category, profile)
);
