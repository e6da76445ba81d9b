-- Data-key rotation (issue 9, `safepath keys rotate --data-keys`): a field key
-- replaced by a newer one is deleted once no value is sealed under it, or
-- kept retired (open-only, never used to seal) while the append-only audit
-- log holds reasons sealed under it: the log's hash chain cannot be rewritten.
ALTER TABLE data_keys ADD COLUMN retired_at BIGINT;
