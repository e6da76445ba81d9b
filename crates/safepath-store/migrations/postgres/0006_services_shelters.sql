-- --- services, shelters and stays ---
-- The service directory (not personal data: the record is the domain's JSON),
-- shelters (the location is a sealed XChaCha20-Poly1305 ciphertext, never in
-- clear) and shelter stays per case.
CREATE TABLE services (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES orgs(id),
    service_type TEXT NOT NULL,
    record TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    version BIGINT NOT NULL
);
CREATE INDEX services_org ON services(org_id);

CREATE TABLE shelters (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES orgs(id),
    name TEXT NOT NULL,
    shelter_type TEXT NOT NULL,
    regime TEXT NOT NULL,
    beds BIGINT NOT NULL,
    location BYTEA NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX shelters_org ON shelters(org_id);

CREATE TABLE shelter_stays (
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    shelter_id TEXT NOT NULL REFERENCES shelters(id),
    admitted_on TEXT NOT NULL,
    left_on TEXT,
    free_to_leave BOOLEAN NOT NULL,
    recorded_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX shelter_stays_case ON shelter_stays(case_id);
CREATE INDEX shelter_stays_shelter ON shelter_stays(shelter_id, left_on);
