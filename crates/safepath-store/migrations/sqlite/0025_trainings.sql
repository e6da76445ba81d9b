-- Trainings of an organisation's staff (issue 13: the protection checklist
-- counts the first responders trained on identification). Staff records,
-- no victim's data: the date, the topic, a short note, who attended.
CREATE TABLE trainings (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES orgs(id),
    held_on TEXT NOT NULL,
    topic TEXT NOT NULL,
    note TEXT,
    recorded_by TEXT NOT NULL REFERENCES users(id),
    created_at BIGINT NOT NULL
);
CREATE INDEX trainings_org ON trainings(org_id, held_on);
CREATE TABLE training_attendees (
    training_id TEXT NOT NULL REFERENCES trainings(id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users(id),
    PRIMARY KEY (training_id, user_id)
);
CREATE INDEX training_attendees_user ON training_attendees(user_id);
