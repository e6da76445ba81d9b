-- Durable solutions (issue 12): the cross-border handover between SafePath
-- deployments. Registered partners (public keys only, checked out of band),
-- handovers (the domain's record, sealed), every message in and out (the
-- envelope as sent or received, already encrypted; the opened signed content
-- sealed under a data key) and the outbox that delivers outgoing messages
-- with retries, so nothing is lost while a partner is down. No column holds
-- personal data in clear. Assessments, return plans and agreements are
-- sealed case_records kinds (migration 0004).
CREATE TABLE handover_partners (
    fingerprint TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    signing_key TEXT NOT NULL,
    encryption_key TEXT NOT NULL,
    inbox_url TEXT,
    registered_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    revoked_at BIGINT
);

CREATE TABLE handovers (
    id TEXT PRIMARY KEY,
    side TEXT NOT NULL,
    case_id TEXT REFERENCES cases(id) ON DELETE CASCADE,
    partner TEXT NOT NULL REFERENCES handover_partners(fingerprint),
    state TEXT NOT NULL,
    record BLOB NOT NULL,
    version BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX handovers_case ON handovers(case_id);
CREATE INDEX handovers_state ON handovers(state);

CREATE TABLE handover_messages (
    id TEXT PRIMARY KEY,
    handover_id TEXT NOT NULL REFERENCES handovers(id) ON DELETE CASCADE,
    direction TEXT NOT NULL,
    sender TEXT NOT NULL,
    message_id TEXT NOT NULL,
    sequence BIGINT NOT NULL,
    kind TEXT NOT NULL,
    envelope_hash TEXT NOT NULL,
    envelope TEXT,
    content BLOB,
    created_at BIGINT NOT NULL,
    UNIQUE (sender, message_id),
    UNIQUE (handover_id, sender, sequence)
);

CREATE TABLE handover_outbox (
    message_row_id TEXT PRIMARY KEY REFERENCES handover_messages(id) ON DELETE CASCADE,
    recipient TEXT NOT NULL REFERENCES handover_partners(fingerprint),
    attempts BIGINT NOT NULL,
    next_attempt_at BIGINT NOT NULL,
    sent_at BIGINT,
    last_error TEXT
);
CREATE INDEX handover_outbox_pending ON handover_outbox(sent_at, next_attempt_at);
