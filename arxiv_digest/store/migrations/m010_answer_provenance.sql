-- m010_answer_provenance (issue 23): our words apart from the model's. `label` is the line that says who wrote
-- an analysis or summary and why a fallback stands (rendered above the text, never checked as the model's);
-- `content` is the text alone. Reasoning a model spent before answering is counted per attempt.
ALTER TABLE analyses ADD COLUMN IF NOT EXISTS label VARCHAR DEFAULT '';
ALTER TABLE summaries ADD COLUMN IF NOT EXISTS label VARCHAR DEFAULT '';
ALTER TABLE analysis_attempts ADD COLUMN IF NOT EXISTS reasoning_tokens INTEGER DEFAULT 0;
ALTER TABLE analysis_attempts ADD COLUMN IF NOT EXISTS reasoning_ms DOUBLE DEFAULT 0;
