-- An agent's saved views of the queue (issue 24): a name and the queue's filters and sort as the address holds
-- them. Private to the agent: nobody else lists or deletes them.
CREATE TABLE agent_views (
  id         uuid PRIMARY KEY,
  agent_id   uuid NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
  name       text NOT NULL,
  query      text NOT NULL,
  created_at timestamptz NOT NULL
);
CREATE UNIQUE INDEX agent_views_name ON agent_views (agent_id, lower(name));
