-- The case list at 1,000 requests/s with 100,000 cases (issue 9).
--
-- Its page is read in order from an index (the cases an organisation owns,
-- and the cases one user manages there, newest change first) instead of
-- sorting every visible case, and its unfiltered total comes from a tally
-- kept by triggers instead of counting every visible case on every page.
-- The triggers keep the tally true whoever writes (a use case, a merge, the
-- command line, another server). Counts and ids only, nothing personal.
CREATE INDEX cases_org_changed ON cases(org_id, updated_at DESC, id);
CREATE INDEX cases_org_manager_changed ON cases(org_id, case_manager_id, updated_at DESC, id);
DROP INDEX cases_org_updated;

CREATE TABLE case_tally (
    org_id TEXT NOT NULL,
    -- '' when the case has no case manager.
    case_manager_id TEXT NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (org_id, case_manager_id)
);
INSERT INTO case_tally (org_id, case_manager_id, n)
    SELECT org_id, COALESCE(case_manager_id, ''), COUNT(*) FROM cases
    GROUP BY org_id, COALESCE(case_manager_id, '');

CREATE TRIGGER cases_tally_inserted AFTER INSERT ON cases BEGIN
    INSERT INTO case_tally (org_id, case_manager_id, n)
        VALUES (NEW.org_id, COALESCE(NEW.case_manager_id, ''), 1)
        ON CONFLICT (org_id, case_manager_id) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER cases_tally_deleted AFTER DELETE ON cases BEGIN
    UPDATE case_tally SET n = n - 1
        WHERE org_id = OLD.org_id AND case_manager_id = COALESCE(OLD.case_manager_id, '');
END;
CREATE TRIGGER cases_tally_moved AFTER UPDATE OF org_id, case_manager_id ON cases BEGIN
    UPDATE case_tally SET n = n - 1
        WHERE org_id = OLD.org_id AND case_manager_id = COALESCE(OLD.case_manager_id, '');
    INSERT INTO case_tally (org_id, case_manager_id, n)
        VALUES (NEW.org_id, COALESCE(NEW.case_manager_id, ''), 1)
        ON CONFLICT (org_id, case_manager_id) DO UPDATE SET n = n + 1;
END;
