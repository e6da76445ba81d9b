-- Search before create keeps its matching state in memory (docs/decisions.md
-- D-T7) and must learn, with one cheap read, whether any case's person was
-- added, changed or removed since it was built, and which ones, whoever wrote
-- (a use case, a merge, key rotation, the command line, another server).
-- Every write of a person or of a case's link to its person raises the one
-- counter and stamps the person with it. Ids only, nothing personal. The
-- counter is a row, not a sequence: its lock orders the stamps as the
-- transactions commit, so a reader never sees a later stamp before an
-- earlier one.
CREATE TABLE person_generation (
    id SMALLINT PRIMARY KEY CHECK (id = 1),
    generation BIGINT NOT NULL
);
INSERT INTO person_generation (id, generation) VALUES (1, 0);

CREATE TABLE person_changes (
    person_id TEXT PRIMARY KEY,
    generation BIGINT NOT NULL
);
CREATE INDEX person_changes_generation ON person_changes(generation);

CREATE FUNCTION note_person_change() RETURNS trigger AS $$
DECLARE
    g BIGINT;
BEGIN
    UPDATE person_generation SET generation = generation + 1 WHERE id = 1
        RETURNING generation INTO g;
    IF TG_TABLE_NAME = 'persons' THEN
        IF TG_OP <> 'INSERT' THEN
            INSERT INTO person_changes (person_id, generation) VALUES (OLD.id, g)
                ON CONFLICT (person_id) DO UPDATE SET generation = EXCLUDED.generation;
        END IF;
        IF TG_OP <> 'DELETE' THEN
            INSERT INTO person_changes (person_id, generation) VALUES (NEW.id, g)
                ON CONFLICT (person_id) DO UPDATE SET generation = EXCLUDED.generation;
        END IF;
    ELSE
        IF TG_OP <> 'INSERT' THEN
            INSERT INTO person_changes (person_id, generation) VALUES (OLD.person_id, g)
                ON CONFLICT (person_id) DO UPDATE SET generation = EXCLUDED.generation;
        END IF;
        IF TG_OP <> 'DELETE' THEN
            INSERT INTO person_changes (person_id, generation) VALUES (NEW.person_id, g)
                ON CONFLICT (person_id) DO UPDATE SET generation = EXCLUDED.generation;
        END IF;
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER persons_changed AFTER INSERT OR UPDATE OR DELETE ON persons
    FOR EACH ROW EXECUTE FUNCTION note_person_change();
CREATE TRIGGER cases_person_changed AFTER INSERT OR DELETE OR UPDATE OF person_id ON cases
    FOR EACH ROW EXECUTE FUNCTION note_person_change();
