-- A responder's own list of screenings, newest first (issue 10).
CREATE INDEX screenings_by_user ON screenings(screened_by, created_at);
