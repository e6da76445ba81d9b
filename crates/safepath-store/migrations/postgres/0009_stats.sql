-- --- statistics ---
-- The tables released to each user (the disclosure-control history that new
-- tables are audited against: the spec, which cells were released, and the
-- released values, as JSON with no personal data), and the privacy budget
-- spent by differentially private releases, per dataset.
CREATE TABLE stats_releases (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id),
    table_name TEXT NOT NULL,
    release TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX stats_releases_user ON stats_releases(user_id, created_at);

CREATE TABLE dp_budget (
    id TEXT PRIMARY KEY,
    dataset TEXT NOT NULL,
    release_name TEXT NOT NULL,
    user_id TEXT NOT NULL REFERENCES users(id),
    epsilon DOUBLE PRECISION NOT NULL,
    delta DOUBLE PRECISION NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX dp_budget_dataset ON dp_budget(dataset);
