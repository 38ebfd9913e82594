-- The reader's file (issue 26): what the reader told us about papers, per profile, with time. An append-only log:
-- the state of a paper (liked, disliked, saved, seen) is derived from its events in order, so nothing is ever
-- overwritten and a day's ranking can be reproduced from the events it used.
CREATE SEQUENCE IF NOT EXISTS feedback_ids START 1;
CREATE TABLE IF NOT EXISTS feedback (
    id        BIGINT PRIMARY KEY DEFAULT nextval('feedback_ids'),  -- the order events were recorded in
    profile   VARCHAR NOT NULL,
    arxiv_id  VARCHAR NOT NULL,   -- without version
    version   INTEGER NOT NULL,   -- the version the reader saw when they gave the feedback
    action    VARCHAR NOT NULL,   -- like | dislike | save | unsave | seen | clear
    given_at  TIMESTAMP NOT NULL  -- UTC
);
CREATE INDEX IF NOT EXISTS feedback_by_profile ON feedback (profile, arxiv_id);
