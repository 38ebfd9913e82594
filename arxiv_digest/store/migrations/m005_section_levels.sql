-- Section levels (issue 13). Levels used to come from the numbering alone ("3.1.1" was stored as 2) and some
-- stored headings were table rows or figure labels. Sections segmented from an extraction older than
-- pymupdf-layout-2 are dropped here, so the next run of their day segments them again (the extract step reads
-- their PDFs again anyway, its version having changed); nothing else in the store depends on them.
DELETE FROM sections
WHERE sha256 IN (SELECT sha256 FROM extractions WHERE extractor IS DISTINCT FROM 'pymupdf-layout-2');

-- Every level is a real depth: 1 for a top-level section, 2 for a subsection, and so on.
UPDATE sections SET level = 1 WHERE level < 1;
