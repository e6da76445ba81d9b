-- Family tracing requests and the periodic de-duplication run.
-- Personal fields (who is sought, the requester and their contact details,
-- contact-log notes) are sealed; the other columns carry ids, states and
-- scores only.
CREATE TABLE tracing_requests (
    id TEXT PRIMARY KEY,
    reference TEXT NOT NULL UNIQUE,
    org_id TEXT NOT NULL REFERENCES orgs(id),
    created_by TEXT NOT NULL REFERENCES users(id),
    -- open, or found (only once the sought person consented to contact)
    status TEXT NOT NULL,
    found_org_id TEXT REFERENCES orgs(id),
    found_at BIGINT,
    sought BYTEA NOT NULL,
    requester BYTEA NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX tracing_requests_org ON tracing_requests(org_id, created_at);

-- A possible match between a request and a person whose case allows
-- tracing. Seen by the case's side only, never by the requester's.
CREATE TABLE tracing_matches (
    id TEXT PRIMARY KEY,
    request_id TEXT NOT NULL REFERENCES tracing_requests(id) ON DELETE CASCADE,
    case_id TEXT NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    case_org_id TEXT NOT NULL REFERENCES orgs(id),
    probability DOUBLE PRECISION NOT NULL,
    band TEXT NOT NULL,
    -- field names, levels and weights: no personal data
    explanation TEXT NOT NULL,
    -- pending, consented, declined or not_same
    state TEXT NOT NULL,
    decided_by TEXT REFERENCES users(id),
    decided_at BIGINT,
    created_at BIGINT NOT NULL,
    UNIQUE (request_id, case_id)
);
CREATE INDEX tracing_matches_org ON tracing_matches(case_org_id, state);
CREATE INDEX tracing_matches_case ON tracing_matches(case_id);

CREATE TABLE tracing_contacts (
    id TEXT PRIMARY KEY,
    request_id TEXT NOT NULL REFERENCES tracing_requests(id) ON DELETE CASCADE,
    by_user TEXT NOT NULL REFERENCES users(id),
    at_ms BIGINT NOT NULL,
    method TEXT NOT NULL,
    note BYTEA
);
CREATE INDEX tracing_contacts_request ON tracing_contacts(request_id, at_ms);

CREATE TABLE dedupe_runs (
    id TEXT PRIMARY KEY,
    -- running, done or failed
    state TEXT NOT NULL,
    started_by TEXT NOT NULL,
    started_at BIGINT NOT NULL,
    finished_at BIGINT,
    processed BIGINT NOT NULL,
    total BIGINT NOT NULL,
    pairs_found BIGINT NOT NULL,
    error TEXT
);

-- Candidate duplicate pairs; case_a < case_b, one row per pair ever, so a
-- pair judged "not the same" is never proposed again.
CREATE TABLE dedupe_pairs (
    id TEXT PRIMARY KEY,
    case_a TEXT NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    case_b TEXT NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    probability DOUBLE PRECISION NOT NULL,
    band TEXT NOT NULL,
    -- pending, merged, not_same
    state TEXT NOT NULL,
    run_id TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    decided_by TEXT REFERENCES users(id),
    decided_at BIGINT,
    UNIQUE (case_a, case_b)
);
CREATE INDEX dedupe_pairs_state ON dedupe_pairs(state);

-- Merges keep both cases and both histories: the secondary case is marked
-- merged into the primary; unmerging deletes the mark (both audited).
CREATE TABLE case_merges (
    secondary_case_id TEXT PRIMARY KEY REFERENCES cases(id) ON DELETE CASCADE,
    primary_case_id TEXT NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    pair_id TEXT NOT NULL REFERENCES dedupe_pairs(id),
    merged_by TEXT NOT NULL REFERENCES users(id),
    merged_at BIGINT NOT NULL
);
