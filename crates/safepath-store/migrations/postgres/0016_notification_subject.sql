-- What a notification is about, so that a page can link to it and say it in
-- the reader's language: the record's kind and id (referral, approval, task,
-- decision, case, tracing request) and the words' parameters, a JSON object
-- of non-personal values (a case reference, a state, a service code, an
-- organisation's name). NULL on notifications written before: they are
-- shown by their kind alone.
ALTER TABLE notifications ADD COLUMN subject_type TEXT;
ALTER TABLE notifications ADD COLUMN subject_id TEXT;
ALTER TABLE notifications ADD COLUMN params TEXT;
