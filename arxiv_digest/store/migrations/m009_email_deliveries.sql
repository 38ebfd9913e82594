-- m009_email_deliveries (issue 15): one row per digest and recipient, so a digest is mailed to each recipient at
-- most once and a failed delivery is retried by the next run or `rerun --failed`.
-- status: sending (handed to the server, its answer not recorded yet: the process died or the connection broke in
-- the middle; never sent again automatically, at most once), sent, failed (the server refused, or the connection,
-- TLS or login failed before the message was handed over: safe to send again).
CREATE TABLE IF NOT EXISTS email_deliveries (
    digest_date DATE NOT NULL,
    category VARCHAR NOT NULL,
    recipient VARCHAR NOT NULL,
    status VARCHAR NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error VARCHAR,
    message_id VARCHAR,
    message_bytes INTEGER,
    updated_at TIMESTAMP NOT NULL,
    sent_at TIMESTAMP,
    PRIMARY KEY (digest_date, category, recipient)
);
