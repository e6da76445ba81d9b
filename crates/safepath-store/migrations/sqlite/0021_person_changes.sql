-- Search before create keeps its matching state in memory (docs/decisions.md
-- D-T7) and must learn, with one cheap read, whether any case's person was
-- added, changed or removed since it was built, and which ones, whoever wrote
-- (a use case, a merge, key rotation, the command line, another server).
-- Every write of a person or of a case's link to its person raises the one
-- counter and stamps the person with it. Ids only, nothing personal.
CREATE TABLE person_generation (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    generation INTEGER NOT NULL
);
INSERT INTO person_generation (id, generation) VALUES (1, 0);

CREATE TABLE person_changes (
    person_id TEXT PRIMARY KEY,
    generation INTEGER NOT NULL
);
CREATE INDEX person_changes_generation ON person_changes(generation);

CREATE TRIGGER persons_inserted AFTER INSERT ON persons BEGIN
    UPDATE person_generation SET generation = generation + 1 WHERE id = 1;
    INSERT OR REPLACE INTO person_changes (person_id, generation)
        VALUES (NEW.id, (SELECT generation FROM person_generation WHERE id = 1));
END;
CREATE TRIGGER persons_updated AFTER UPDATE ON persons BEGIN
    UPDATE person_generation SET generation = generation + 1 WHERE id = 1;
    INSERT OR REPLACE INTO person_changes (person_id, generation)
        VALUES (NEW.id, (SELECT generation FROM person_generation WHERE id = 1));
END;
CREATE TRIGGER persons_deleted AFTER DELETE ON persons BEGIN
    UPDATE person_generation SET generation = generation + 1 WHERE id = 1;
    INSERT OR REPLACE INTO person_changes (person_id, generation)
        VALUES (OLD.id, (SELECT generation FROM person_generation WHERE id = 1));
END;
CREATE TRIGGER cases_person_inserted AFTER INSERT ON cases BEGIN
    UPDATE person_generation SET generation = generation + 1 WHERE id = 1;
    INSERT OR REPLACE INTO person_changes (person_id, generation)
        VALUES (NEW.person_id, (SELECT generation FROM person_generation WHERE id = 1));
END;
CREATE TRIGGER cases_person_deleted AFTER DELETE ON cases BEGIN
    UPDATE person_generation SET generation = generation + 1 WHERE id = 1;
    INSERT OR REPLACE INTO person_changes (person_id, generation)
        VALUES (OLD.person_id, (SELECT generation FROM person_generation WHERE id = 1));
END;
CREATE TRIGGER cases_person_relinked AFTER UPDATE OF person_id ON cases BEGIN
    UPDATE person_generation SET generation = generation + 1 WHERE id = 1;
    INSERT OR REPLACE INTO person_changes (person_id, generation)
        VALUES (OLD.person_id, (SELECT generation FROM person_generation WHERE id = 1));
    INSERT OR REPLACE INTO person_changes (person_id, generation)
        VALUES (NEW.person_id, (SELECT generation FROM person_generation WHERE id = 1));
END;
