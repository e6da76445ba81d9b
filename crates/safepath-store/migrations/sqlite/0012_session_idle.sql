-- Sessions end after a time without use (idle timeout) as well as at their
-- fixed expiry: the last time a session was used. NULL (sessions opened
-- before this migration) counts as the time it was opened.
ALTER TABLE sessions ADD COLUMN last_seen_at BIGINT;
