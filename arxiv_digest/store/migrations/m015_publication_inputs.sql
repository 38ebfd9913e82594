-- What a published file was rendered from (a digest of the day's view and the code that renders it), so a rerun
-- that would render the same file again leaves it as it is (issue 29). NULL: rendered before this was recorded.
ALTER TABLE publications ADD COLUMN IF NOT EXISTS inputs VARCHAR;
