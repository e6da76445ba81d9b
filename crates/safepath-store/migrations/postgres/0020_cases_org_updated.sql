-- The case list, newest change first, within an organisation: the page's
-- ids come from this index instead of sorting every visible case.
CREATE INDEX cases_org_updated ON cases(org_id, updated_at);
