-- m001_initial: every artifact of the pipeline, keyed so that a rerun upserts instead of adding rows.

CREATE TABLE papers (
    arxiv_id          VARCHAR NOT NULL,   -- without version
    version           INTEGER NOT NULL,
    title             VARCHAR NOT NULL,
    authors           VARCHAR[] NOT NULL,
    categories        VARCHAR[] NOT NULL,
    primary_category  VARCHAR NOT NULL,
    published         TIMESTAMP NOT NULL, -- v1 submission, UTC
    updated           TIMESTAMP NOT NULL,
    abstract          VARCHAR NOT NULL,
    comment           VARCHAR,
    journal_ref       VARCHAR,
    doi               VARCHAR,
    fetched_at        TIMESTAMP NOT NULL,
    PRIMARY KEY (arxiv_id, version)
);

CREATE TABLE digest_papers (
    digest_date  DATE NOT NULL,
    category     VARCHAR NOT NULL,
    arxiv_id     VARCHAR NOT NULL,
    version      INTEGER NOT NULL,
    position     INTEGER NOT NULL,
    PRIMARY KEY (digest_date, category, arxiv_id)
);

CREATE TABLE pdf_files (
    arxiv_id    VARCHAR NOT NULL,
    version     INTEGER NOT NULL,
    status      VARCHAR NOT NULL,   -- ok | failed
    sha256      VARCHAR,
    path        VARCHAR,
    bytes       BIGINT,
    pages       INTEGER,
    fetched_at  TIMESTAMP,
    error       VARCHAR,
    attempts    INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (arxiv_id, version)
);

CREATE TABLE extractions (
    sha256          VARCHAR PRIMARY KEY,
    status          VARCHAR NOT NULL,  -- ok | no_text_layer | failed
    pages           INTEGER NOT NULL,
    text_chars      INTEGER NOT NULL,
    has_text_layer  BOOLEAN NOT NULL,
    error           VARCHAR,
    extractor       VARCHAR NOT NULL,
    elapsed_ms      DOUBLE NOT NULL,
    extracted_at    TIMESTAMP NOT NULL
);

CREATE TABLE page_texts (
    sha256  VARCHAR NOT NULL,
    page    INTEGER NOT NULL,
    text    VARCHAR NOT NULL,
    PRIMARY KEY (sha256, page)
);

CREATE TABLE sections (
    sha256   VARCHAR NOT NULL,
    ordinal  INTEGER NOT NULL,
    title    VARCHAR NOT NULL,
    norm     VARCHAR NOT NULL,
    level    INTEGER NOT NULL,
    page     INTEGER NOT NULL,
    text     VARCHAR NOT NULL,
    PRIMARY KEY (sha256, ordinal)
);

CREATE TABLE links (
    sha256    VARCHAR NOT NULL,
    url       VARCHAR NOT NULL,
    is_code   BOOLEAN NOT NULL,
    is_own    BOOLEAN NOT NULL,
    source    VARCHAR NOT NULL,
    page      INTEGER NOT NULL,
    evidence  VARCHAR NOT NULL,
    PRIMARY KEY (sha256, url)
);

-- The accepted analysis per cache key; the full history of tries lives in analysis_attempts.
CREATE TABLE analyses (
    arxiv_id      VARCHAR NOT NULL,
    version       INTEGER NOT NULL,
    prompt_hash   VARCHAR NOT NULL,
    model         VARCHAR NOT NULL,
    language      VARCHAR NOT NULL,
    kind          VARCHAR NOT NULL,   -- method | abstract | withheld
    analyzer      VARCHAR NOT NULL,   -- extractive | llm
    content       VARCHAR NOT NULL,
    key_findings  VARCHAR[] NOT NULL,
    notice        VARCHAR,
    created_at    TIMESTAMP NOT NULL,
    PRIMARY KEY (arxiv_id, version, prompt_hash, model, language)
);

CREATE TABLE analysis_attempts (
    arxiv_id       VARCHAR NOT NULL,
    version        INTEGER NOT NULL,
    prompt_hash    VARCHAR NOT NULL,
    model          VARCHAR NOT NULL,
    language       VARCHAR NOT NULL,
    attempt        INTEGER NOT NULL,
    status         VARCHAR NOT NULL,   -- accepted | rejected | error
    reason         VARCHAR,
    input_tokens   INTEGER NOT NULL DEFAULT 0,
    output_tokens  INTEGER NOT NULL DEFAULT 0,
    latency_ms     DOUBLE NOT NULL DEFAULT 0,
    cost_usd       DOUBLE NOT NULL DEFAULT 0,
    created_at     TIMESTAMP NOT NULL,
    PRIMARY KEY (arxiv_id, version, prompt_hash, model, language, attempt)
);

-- The current (digest_date, category) pointer to an analysis, so publish reads exactly what was chosen.
CREATE TABLE digest_analyses (
    digest_date  DATE NOT NULL,
    category     VARCHAR NOT NULL,
    arxiv_id     VARCHAR NOT NULL,
    version      INTEGER NOT NULL,
    prompt_hash  VARCHAR NOT NULL,
    model        VARCHAR NOT NULL,
    language     VARCHAR NOT NULL,
    PRIMARY KEY (digest_date, category, arxiv_id)
);

CREATE TABLE summaries (
    digest_date  DATE NOT NULL,
    category     VARCHAR NOT NULL,
    language     VARCHAR NOT NULL,
    prompt_hash  VARCHAR NOT NULL,
    model        VARCHAR NOT NULL,
    analyzer     VARCHAR NOT NULL,
    content      VARCHAR NOT NULL,
    created_at   TIMESTAMP NOT NULL,
    PRIMARY KEY (digest_date, category, language)
);

CREATE TABLE quality_results (
    digest_date  DATE NOT NULL,
    category     VARCHAR NOT NULL,
    suite        VARCHAR NOT NULL,
    check_name   VARCHAR NOT NULL,
    arxiv_id     VARCHAR NOT NULL,  -- '' for day-level checks
    severity     VARCHAR NOT NULL,  -- blocking | warning
    observed     VARCHAR NOT NULL,
    passed       BOOLEAN NOT NULL,
    flow_run_id  VARCHAR,
    checked_at   TIMESTAMP NOT NULL,
    PRIMARY KEY (digest_date, category, suite, check_name, arxiv_id)
);

CREATE TABLE runs (
    digest_date   DATE NOT NULL,
    category      VARCHAR NOT NULL,
    status        VARCHAR NOT NULL,  -- running | completed | failed
    attempts      INTEGER NOT NULL,
    flow_run_id   VARCHAR,
    started_at    TIMESTAMP NOT NULL,
    finished_at   TIMESTAMP,
    counts        VARCHAR NOT NULL,  -- JSON object
    step_seconds  VARCHAR NOT NULL,  -- JSON object
    error         VARCHAR,
    PRIMARY KEY (digest_date, category)
);

-- Per paper, per step: the latest outcome, for audit and `rerun --failed`.
CREATE TABLE paper_steps (
    arxiv_id    VARCHAR NOT NULL,
    version     INTEGER NOT NULL,
    step        VARCHAR NOT NULL,
    status      VARCHAR NOT NULL,  -- ok | skipped | failed | fallback
    detail      VARCHAR,
    attempts    INTEGER NOT NULL,
    updated_at  TIMESTAMP NOT NULL,
    PRIMARY KEY (arxiv_id, version, step)
);

CREATE TABLE publications (
    digest_date   DATE NOT NULL,
    category      VARCHAR NOT NULL,
    format        VARCHAR NOT NULL,  -- markdown | html | json | atom
    path          VARCHAR NOT NULL,
    sha256        VARCHAR NOT NULL,
    papers        INTEGER NOT NULL,
    published_at  TIMESTAMP NOT NULL,
    PRIMARY KEY (digest_date, category, format)
);
