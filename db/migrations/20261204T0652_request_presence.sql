-- Who has a request open in the back office, and who is typing a reply (helpdesk presence): one row per agent
-- and request, refreshed by the page's heartbeat; a row older than 30 s no longer counts. Shared by every process.
CREATE TABLE request_presence (
  request_id uuid NOT NULL REFERENCES requests (id) ON DELETE CASCADE,
  agent_id uuid NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
  typing boolean NOT NULL DEFAULT false,
  seen_at timestamptz NOT NULL,
  PRIMARY KEY (request_id, agent_id)
);
CREATE INDEX request_presence_seen ON request_presence (seen_at);
