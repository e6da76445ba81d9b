-- The consent ledger and referrals between organisations. Records are the
-- domain's JSON (ids, purposes, categories, dates: no personal data).
CREATE TABLE consents (
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    purpose TEXT NOT NULL,
    recipient_org_id TEXT REFERENCES orgs(id),
    record TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX consents_case ON consents(case_id);

CREATE TABLE referrals (
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    from_org_id TEXT NOT NULL REFERENCES orgs(id),
    to_org_id TEXT NOT NULL REFERENCES orgs(id),
    state TEXT NOT NULL,
    record TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX referrals_case ON referrals(case_id);
CREATE INDEX referrals_to ON referrals(to_org_id, state);
CREATE INDEX referrals_from ON referrals(from_org_id, state);
