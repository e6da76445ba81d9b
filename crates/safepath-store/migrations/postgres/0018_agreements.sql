-- The registry of agreements between countries (issue 12): bilateral and
-- regional instruments on the return of victims of trafficking. No personal
-- data: the agreement is kept as JSON beside its searchable columns.
CREATE TABLE agreements (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL UNIQUE,
    -- ISO 3166-1 alpha-2 codes, comma-separated, sorted (",MM,TH," form for LIKE).
    parties TEXT NOT NULL,
    record TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
