-- The reader's interests (issue 16). Each profile's ranking of a digest's papers, written by the rank step
-- and read by the analyze step (the reading budget) and by publish (the profile's digest). `reason` holds
-- what earned the score as JSON (keywords, similar_to, authors, categories, negative); the words around it
-- come from the wording tables when the digest is rendered.
CREATE TABLE IF NOT EXISTS paper_scores (
    digest_date  DATE NOT NULL,
    category     VARCHAR NOT NULL,
    profile      VARCHAR NOT NULL,
    arxiv_id     VARCHAR NOT NULL,
    version      INTEGER NOT NULL,
    score        DOUBLE NOT NULL,
    rank         INTEGER NOT NULL,
    top_n        INTEGER NOT NULL,   -- the profile's reading budget when ranked (0 = all)
    reason       VARCHAR NOT NULL,
    PRIMARY KEY (digest_date, category, profile, arxiv_id, version)
);

-- Papers a profile likes by arXiv id, looked up once (they are usually older than any stored digest).
CREATE TABLE IF NOT EXISTS liked_papers (
    arxiv_id    VARCHAR PRIMARY KEY,  -- without version
    title       VARCHAR NOT NULL,
    abstract    VARCHAR NOT NULL,
    authors     VARCHAR[] NOT NULL,
    fetched_at  TIMESTAMP NOT NULL
);

-- The model's rerank of a profile's top papers (optional, rerank_top_k): the validated scores per prompt, so a
-- rerun asks nothing twice. The prompt hash covers the template, the model, the language and the profile's
-- interests; every call is also in analysis_attempts with the analyses' calls.
CREATE TABLE IF NOT EXISTS rerank_scores (
    arxiv_id      VARCHAR NOT NULL,
    version       INTEGER NOT NULL,
    prompt_hash   VARCHAR NOT NULL,
    model         VARCHAR NOT NULL,
    relevance     DOUBLE NOT NULL,
    significance  DOUBLE NOT NULL,
    created_at    TIMESTAMP NOT NULL,
    PRIMARY KEY (arxiv_id, version, prompt_hash, model)
);
