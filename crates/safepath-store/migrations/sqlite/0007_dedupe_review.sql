-- The de-duplication review queue shows why a pair was proposed: the
-- per-field explanation (field names, levels and weights; no personal data).
ALTER TABLE dedupe_pairs ADD COLUMN explanation TEXT NOT NULL DEFAULT '[]';

-- One run at a time, enforced by the database (two servers, two clicks).
CREATE UNIQUE INDEX dedupe_runs_one_running ON dedupe_runs(state) WHERE state = 'running';

-- Merge marks are looked up by the primary case too (case pages, unmerge).
CREATE INDEX case_merges_primary ON case_merges(primary_case_id);
