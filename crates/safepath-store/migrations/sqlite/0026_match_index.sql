-- Search before create's matching index, kept in the database so that it
-- need not be held in the server's memory (docs/decisions.md D17). Per case,
-- its person's matching values sealed (like every personal field) and the
-- blinded blocking keys and name terms (keyed hashes under the index key)
-- that find and weigh it. Nothing is stored in clear.
CREATE TABLE match_entries (
    case_id TEXT PRIMARY KEY,
    slot BIGINT NOT NULL UNIQUE,
    person_id TEXT NOT NULL,
    case_created_at BIGINT NOT NULL,
    features BLOB NOT NULL
);
CREATE INDEX match_entries_person ON match_entries(person_id);
CREATE TABLE match_keys (
    key BIGINT NOT NULL,
    slot BIGINT NOT NULL,
    PRIMARY KEY (key, slot)
) WITHOUT ROWID;
CREATE INDEX match_keys_slot ON match_keys(slot);
CREATE TABLE match_terms (
    term BIGINT NOT NULL,
    slot BIGINT NOT NULL,
    PRIMARY KEY (term, slot)
) WITHOUT ROWID;
CREATE INDEX match_terms_slot ON match_terms(slot);
CREATE TABLE match_index_state (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    generation BIGINT NOT NULL,
    fingerprint TEXT NOT NULL,
    entries BIGINT NOT NULL,
    -- The model trained on the index (m and u per comparison level: no
    -- person's value) and how many cases it was trained on, so that a
    -- restart need not train again.
    model TEXT,
    trained_on BIGINT NOT NULL DEFAULT 0
);
