-- A team can be renamed and closed (product §19). A closed team keeps its row: the rights it gave stay in the history
-- with their origin (« via l'équipe TVA de … »), revoked; its members and companies go, and its name is free again.
ALTER TABLE teams ADD COLUMN closed_at timestamptz;
DROP INDEX teams_entity_name;
CREATE UNIQUE INDEX teams_entity_name ON teams (entity_siren, lower(name)) WHERE closed_at IS NULL;
