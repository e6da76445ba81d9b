-- Identification: the referral focal point of each organisation, stored
-- screenings (the answers sealed), case flags (non-removal, non-punishment)
-- and the two-stage identification decisions with their clocks.
CREATE TABLE org_focal_points (
    org_id TEXT PRIMARY KEY REFERENCES orgs(id),
    user_id TEXT NOT NULL REFERENCES users(id)
);

CREATE TABLE screenings (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES orgs(id),
    screened_by TEXT NOT NULL REFERENCES users(id),
    created_at BIGINT NOT NULL,
    catalogue_version TEXT NOT NULL,
    profile_id TEXT NOT NULL,
    form TEXT NOT NULL,
    population TEXT NOT NULL,
    outcome TEXT NOT NULL,
    non_punishment BOOLEAN NOT NULL,
    non_removal BOOLEAN NOT NULL,
    case_id TEXT REFERENCES cases(id),
    record BLOB NOT NULL
);
CREATE INDEX screenings_org ON screenings(org_id, created_at);

CREATE TABLE case_flags (
    case_id TEXT NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    flag TEXT NOT NULL,
    set_by TEXT NOT NULL,
    set_at BIGINT NOT NULL,
    source TEXT,
    PRIMARY KEY (case_id, flag)
);

CREATE TABLE decisions (
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    stage TEXT NOT NULL,
    profile_id TEXT NOT NULL,
    opened_at BIGINT NOT NULL,
    opened_on TEXT NOT NULL,
    due_on TEXT NOT NULL,
    decided_at BIGINT,
    decided_by TEXT,
    outcome TEXT,
    deciding_org_type TEXT,
    letter_addressee TEXT,
    reasons BLOB,
    reflection_ends_on TEXT,
    reconsideration_of TEXT
);
CREATE INDEX decisions_case ON decisions(case_id);
CREATE INDEX decisions_open ON decisions(decided_at, due_on);
