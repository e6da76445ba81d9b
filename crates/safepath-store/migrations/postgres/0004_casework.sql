-- Case work: the lifecycle timeline, assignments, approvals, needs, care-plan
-- goals and tasks, periodic reviews, service feedback and assessments, as one
-- table of case records. The record itself is the domain's JSON, sealed (it
-- holds reasons, comments and the person's own words); the columns beside it
-- carry only what queues and reports need (no personal data).
CREATE TABLE case_records (
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    state TEXT NOT NULL,
    subject TEXT,
    owner_id TEXT REFERENCES users(id),
    ref_id TEXT,
    due_on TEXT,
    record BYTEA NOT NULL,
    version BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX case_records_case ON case_records(case_id, kind);
CREATE INDEX case_records_queue ON case_records(kind, state, due_on);

-- Staff e-mail addresses (for notifications by e-mail) and the outbox: a
-- notification is queued for e-mail in the transaction that creates it, so a
-- failed or slow mail server never loses one.
CREATE TABLE user_emails (
    user_id TEXT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    email TEXT NOT NULL
);
CREATE TABLE mail_outbox (
    id TEXT PRIMARY KEY,
    notification_id TEXT NOT NULL,
    email TEXT NOT NULL,
    kind TEXT NOT NULL,
    message TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    attempts BIGINT NOT NULL,
    next_attempt_at BIGINT NOT NULL,
    sent_at BIGINT
);
CREATE INDEX mail_outbox_pending ON mail_outbox(sent_at, next_attempt_at);
