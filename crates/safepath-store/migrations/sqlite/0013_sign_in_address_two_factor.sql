-- Sign-in failures per source address (issue 9), besides those per username.
-- The address is kept only as a keyed hash (HMAC under the index key). The
-- failures are counted in a fixed window that starts with the first failure;
-- too many in one window lock the address until `locked_until`.
CREATE TABLE address_failures (
    key_hash TEXT PRIMARY KEY,
    window_start BIGINT NOT NULL,
    failures BIGINT NOT NULL,
    locked_until BIGINT NOT NULL
);

-- The optional second sign-in factor: one TOTP secret per user, sealed like a
-- personal field (bound to this table, column and the user's id). A row with
-- enabled = FALSE awaits its confirming code. `last_step` is the last
-- 30-second step whose code signed in: a code is never accepted twice.
CREATE TABLE two_factor (
    user_id TEXT PRIMARY KEY REFERENCES users(id),
    secret BLOB NOT NULL,
    enabled BOOLEAN NOT NULL DEFAULT FALSE,
    last_step BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    enabled_at BIGINT
);

-- One-time recovery codes, kept only as keyed hashes; used once.
CREATE TABLE recovery_codes (
    user_id TEXT NOT NULL REFERENCES users(id),
    code_hash TEXT NOT NULL,
    used_at BIGINT,
    PRIMARY KEY (user_id, code_hash)
);
