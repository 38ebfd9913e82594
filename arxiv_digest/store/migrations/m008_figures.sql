-- Teaser figures (issue 15): one row per PDF (by content hash) and finder version. status ok: the figure was
-- found and its image is stored at data_dir/figures/<file_sha256>.<ext>; none: no figure with confidence (not an
-- error); failed: the PDF could not be read for it. The paper it was first made for is kept for the audit.
CREATE TABLE figures (
    pdf_sha256   VARCHAR NOT NULL PRIMARY KEY,
    method       VARCHAR NOT NULL,   -- arxiv_digest.pdf.figures.FIGURE_METHOD_VERSION
    status       VARCHAR NOT NULL,   -- ok | none | failed
    arxiv_id     VARCHAR NOT NULL,
    version      INTEGER NOT NULL,
    page         INTEGER,            -- 1-based
    number       INTEGER,            -- the figure's number in its caption
    bbox         DOUBLE[],           -- x0, y0, x1, y1 in PDF points
    caption      VARCHAR,
    file_sha256  VARCHAR,
    path         VARCHAR,
    width        INTEGER,
    height       INTEGER,
    bytes        BIGINT,
    detail       VARCHAR,
    made_at      TIMESTAMP NOT NULL
);
