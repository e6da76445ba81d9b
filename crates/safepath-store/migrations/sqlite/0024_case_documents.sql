-- Documents attached to a case (issue 10): identity papers, medical and
-- court papers, letters. The file and its name are sealed like every
-- personal field (bound to this table, column and row); the columns beside
-- them carry only what the list and the access rule need: the kind, the data
-- category that consent and referrals govern, the type found in the content
-- and the size. No personal data outside the sealed columns.
CREATE TABLE case_documents (
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    category TEXT NOT NULL,
    media_type TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    file_name BLOB NOT NULL,
    description BLOB,
    content BLOB NOT NULL,
    added_by TEXT NOT NULL REFERENCES users(id),
    added_at BIGINT NOT NULL
);
CREATE INDEX case_documents_case ON case_documents(case_id, added_at);
