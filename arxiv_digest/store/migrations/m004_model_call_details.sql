-- m004_model_call_details: what a run needs to tell a permanent failure from a passing one and to report
-- server time apart from queueing. Old rows keep NULL/0: they are read as transient errors, as before.
ALTER TABLE analysis_attempts ADD COLUMN error_kind VARCHAR;             -- transient | permanent | overflow | time_cap
ALTER TABLE analysis_attempts ADD COLUMN settings_key VARCHAR;           -- the call-shaping settings of the try
ALTER TABLE analysis_attempts ADD COLUMN queue_ms DOUBLE DEFAULT 0;      -- waiting for a concurrency slot
ALTER TABLE analysis_attempts ADD COLUMN estimated_input_tokens INTEGER DEFAULT 0;  -- our offline estimate
ALTER TABLE analysis_attempts ADD COLUMN usage_reported BOOLEAN DEFAULT false;      -- input_tokens from the server
ALTER TABLE analysis_attempts ADD COLUMN finish_reason VARCHAR;          -- stop | length | repetition | time_cap
