-- A case's page names the screening it was referred from (issue 10): looked
-- up by the case.
CREATE INDEX screenings_case ON screenings(case_id);
