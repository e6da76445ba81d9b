-- Rights and justice (issue 11): the victim compensation fund as a
-- double-entry ledger. (Per-case records — permits, legal aid, proceedings,
-- claims… — live in case_records, sealed.)
--
-- Postings are the ledger: append-only, never updated or deleted (the
-- triggers refuse it); a mistake is corrected by a reversing transaction.
-- A disbursement waiting for a second approval keeps its proposed postings
-- on the transaction row and enters the ledger only when approved.
CREATE TABLE fund_accounts (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    court_order_reference TEXT,
    created_by TEXT NOT NULL REFERENCES users(id),
    created_at BIGINT NOT NULL
);

CREATE TABLE fund_transactions (
    id TEXT PRIMARY KEY,
    -- Free text: sealed.
    description BYTEA NOT NULL,
    -- posted, awaiting_approval or rejected
    state TEXT NOT NULL,
    requested_by TEXT NOT NULL REFERENCES users(id),
    decided_by TEXT REFERENCES users(id),
    -- A transaction is reversed at most once.
    reverses TEXT UNIQUE REFERENCES fund_transactions(id),
    -- The postings as JSON (account, direction, amount, currency, case).
    proposed TEXT NOT NULL,
    -- ISO date on which it entered the ledger.
    booked_on TEXT,
    created_at BIGINT NOT NULL,
    decided_at BIGINT
);
CREATE INDEX fund_transactions_state ON fund_transactions(state, created_at);

CREATE TABLE fund_postings (
    transaction_id TEXT NOT NULL REFERENCES fund_transactions(id),
    line BIGINT NOT NULL,
    account_id TEXT NOT NULL REFERENCES fund_accounts(id),
    -- debit or credit; amount_minor is positive.
    direction TEXT NOT NULL,
    amount_minor BIGINT NOT NULL CHECK (amount_minor > 0),
    currency TEXT NOT NULL,
    case_id TEXT REFERENCES cases(id),
    booked_on TEXT NOT NULL,
    PRIMARY KEY (transaction_id, line)
);
-- Balances per account (at a date) are index-only aggregates.
CREATE INDEX fund_postings_balance ON fund_postings(account_id, currency, booked_on, direction, amount_minor);
CREATE INDEX fund_postings_case ON fund_postings(case_id, booked_on);

CREATE FUNCTION fund_postings_immutable() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'fund postings are immutable';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER fund_postings_no_change BEFORE UPDATE OR DELETE ON fund_postings
    FOR EACH ROW EXECUTE FUNCTION fund_postings_immutable();
