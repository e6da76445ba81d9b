-- A partner deployment belongs to an organisation of this deployment's
-- directory (the demo's organisation C stands for the country of origin):
-- the `cross_border_handover` consent names that organisation as its
-- recipient, so a handover to the partner needs a consent naming it.
-- Nullable: partners registered before this migration have none yet.
ALTER TABLE handover_partners ADD COLUMN org_id TEXT REFERENCES orgs(id);
