-- SafePath core schema (SQLite). Identifying fields are BLOBs holding
-- XChaCha20-Poly1305 ciphertexts; nothing personal is stored in clear.
CREATE TABLE orgs (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    org_type TEXT NOT NULL,
    country TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE users (
    id TEXT PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    full_name TEXT NOT NULL,
    org_id TEXT NOT NULL REFERENCES orgs(id),
    role TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    disabled BOOLEAN NOT NULL DEFAULT FALSE,
    language TEXT NOT NULL DEFAULT 'en',
    created_at BIGINT NOT NULL
);
CREATE INDEX users_org ON users(org_id, role);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id),
    kind TEXT NOT NULL,
    csrf_token TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE login_failures (
    key_hash TEXT PRIMARY KEY,
    failures BIGINT NOT NULL,
    locked_until BIGINT NOT NULL,
    last_at BIGINT NOT NULL
);

CREATE TABLE data_keys (
    id TEXT PRIMARY KEY,
    purpose TEXT NOT NULL,
    master_key_id TEXT NOT NULL,
    wrapped BLOB NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE persons (
    id TEXT PRIMARY KEY,
    display_name BLOB NOT NULL,
    names BLOB NOT NULL,
    birth_date BLOB,
    contact BLOB,
    place_of_origin BLOB,
    sex TEXT NOT NULL,
    gender_identity TEXT NOT NULL,
    nationalities TEXT NOT NULL,
    languages TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE person_name_index (
    person_id TEXT NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
    token BLOB NOT NULL,
    PRIMARY KEY (person_id, token)
);
CREATE INDEX person_name_index_token ON person_name_index(token);

CREATE TABLE cases (
    id TEXT PRIMARY KEY,
    reference TEXT NOT NULL UNIQUE,
    person_id TEXT NOT NULL REFERENCES persons(id),
    status TEXT NOT NULL,
    org_id TEXT NOT NULL REFERENCES orgs(id),
    case_manager_id TEXT REFERENCES users(id),
    exploitation_forms TEXT NOT NULL,
    notes BLOB,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    version BIGINT NOT NULL
);
CREATE INDEX cases_org ON cases(org_id);
CREATE INDEX cases_manager ON cases(case_manager_id);

CREATE TABLE case_members (
    case_id TEXT NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users(id),
    added_by TEXT NOT NULL,
    added_at BIGINT NOT NULL,
    PRIMARY KEY (case_id, user_id)
);
CREATE INDEX case_members_user ON case_members(user_id);

CREATE TABLE audit_log (
    seq BIGINT PRIMARY KEY,
    at_ms BIGINT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    record_type TEXT,
    record_id TEXT,
    org_id TEXT,
    reason TEXT,
    detail TEXT,
    prev_hash BLOB NOT NULL,
    hash BLOB NOT NULL
);
CREATE INDEX audit_record ON audit_log(record_id);
CREATE INDEX audit_org ON audit_log(org_id);

CREATE TABLE audit_head (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    seq BIGINT NOT NULL,
    hash BLOB NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, zeroblob(32));

CREATE TABLE audit_checkpoints (
    seq BIGINT PRIMARY KEY,
    hash BLOB NOT NULL,
    signature BLOB NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE notifications (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id),
    kind TEXT NOT NULL,
    case_id TEXT,
    message TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    read_at BIGINT
);
CREATE INDEX notifications_user ON notifications(user_id, created_at);
