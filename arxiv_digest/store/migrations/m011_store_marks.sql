-- What a store is: one the offline sample day wrote is marked `sample_day`, so a real run never publishes its
-- invented papers as arXiv's day. A store whose sample papers were stored before this migration was written by
-- an older `run --sample` into the real data dir (the store module detects that case from the timestamps).
CREATE TABLE store_marks (
    name       VARCHAR PRIMARY KEY,
    value      VARCHAR NOT NULL,
    marked_at  TIMESTAMP NOT NULL
);
