-- Agents attach files to their replies: an upload belongs to a person's space or to an agent, never both.
ALTER TABLE uploads ALTER COLUMN space_id DROP NOT NULL;
ALTER TABLE uploads ADD COLUMN agent_id uuid REFERENCES agents (id) ON DELETE CASCADE;
ALTER TABLE uploads ADD CONSTRAINT uploads_one_owner CHECK ((space_id IS NULL) <> (agent_id IS NULL));
