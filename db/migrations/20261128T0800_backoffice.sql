-- The back office (product §9): assignment, deadlines, notes, transfers, answer templates, and the indexes of the
-- queue, the search and the dashboard.

ALTER TABLE requests ADD COLUMN assignee_agent_id uuid REFERENCES agents (id);
-- Deadlines are computed by the application (working days, French public holidays) when a request is filed;
-- rows filed before this migration get them from `fillMissingDeadlines` right after the migrations run.
ALTER TABLE requests ADD COLUMN first_answer_due_at timestamptz;
ALTER TABLE requests ADD COLUMN legal_due_at timestamptz;
-- What `fillMissingDeadlines` looks for at every start: an index of the rows without deadlines (empty once filled),
-- so that a start never scans the requests.
CREATE INDEX requests_missing_deadlines ON requests (id) WHERE first_answer_due_at IS NULL;
-- The deadline the queue sorts on: the first answer (or the legal deadline when earlier) until an agent answered,
-- then the legal deadline; none ('infinity') once answered or closed.
ALTER TABLE requests ADD COLUMN due_at timestamptz GENERATED ALWAYS AS (
  CASE
    WHEN status IN ('answered', 'closed') THEN 'infinity'::timestamptz
    WHEN first_answer_at IS NULL THEN LEAST(first_answer_due_at, COALESCE(legal_due_at, 'infinity'::timestamptz))
    ELSE COALESCE(legal_due_at, 'infinity'::timestamptz)
  END) STORED;

-- The queue of a service: open requests by deadline (keyset on (due_at, id)); the counts per state read it alone.
CREATE INDEX requests_queue ON requests (service_code, due_at, id) INCLUDE (status, assignee_agent_id)
  WHERE status <> 'closed' AND archived_at IS NULL;
-- The queue filtered by tax or by nature (a combination rare in a service must not walk the whole queue).
CREATE INDEX requests_queue_tax ON requests (service_code, tax, due_at, id) WHERE status <> 'closed' AND archived_at IS NULL;
CREATE INDEX requests_queue_nature ON requests (service_code, nature, due_at, id) WHERE status <> 'closed' AND archived_at IS NULL;
-- « Assigned to me »: an agent's open requests by deadline.
CREATE INDEX requests_assignee ON requests (assignee_agent_id, due_at, id) WHERE status <> 'closed' AND archived_at IS NULL;
-- The dashboard: received and first-answered per day, per service.
CREATE INDEX requests_service_received ON requests (service_code, received_at);
CREATE INDEX requests_service_first_answer ON requests (service_code, first_answer_at) INCLUDE (received_at)
  WHERE first_answer_at IS NOT NULL;
-- Every index on requests is rewritten when a message moves a request (`last_activity_at` is indexed, so the update
-- is never HOT): keep as few as the queries need. A company's requests (desk, request view) use requests_inbox,
-- which leads with the SIREN; the queue replaces the old (service, status, activity) index.
DROP INDEX requests_service;
-- Who opened a request, when: only the openings are indexed (every other journal write stays as cheap as before).
CREATE INDEX journal_openings ON journal (subject_id, at) WHERE action = 'request.opened' AND subject_type = 'request';

-- Internal notes: never shown to the company side; purged 2 years after they were written.
CREATE TABLE request_notes (
  id           uuid PRIMARY KEY,
  request_id   uuid NOT NULL REFERENCES requests (id) ON DELETE CASCADE,
  agent_id     uuid NOT NULL REFERENCES agents (id),
  service_code text NOT NULL,
  body         text NOT NULL,
  created_at   timestamptz NOT NULL
);
CREATE INDEX request_notes_request ON request_notes (request_id, created_at);
CREATE INDEX request_notes_created ON request_notes (created_at);

-- Transfers between services, with the agent's reason (the company side sees only the new service).
CREATE TABLE request_transfers (
  id           uuid PRIMARY KEY,
  request_id   uuid NOT NULL REFERENCES requests (id) ON DELETE CASCADE,
  from_service text NOT NULL,
  to_service   text NOT NULL,
  agent_id     uuid NOT NULL REFERENCES agents (id),
  reason       text NOT NULL,
  at           timestamptz NOT NULL
);
CREATE INDEX request_transfers_request ON request_transfers (request_id, at);

-- Reusable answers per service; variables in double braces are filled from the request.
CREATE TABLE answer_templates (
  id           uuid PRIMARY KEY,
  service_code text NOT NULL REFERENCES tax_services (code),
  title        text NOT NULL,
  body         text NOT NULL,
  created_by   uuid REFERENCES agents (id),
  created_at   timestamptz NOT NULL,
  UNIQUE (service_code, title)
);

-- Search in the messages of a service without visiting other services' messages: each message carries its
-- request's service (set on insert, followed on transfer), next to the text index.
ALTER TABLE messages ADD COLUMN service_code text;
UPDATE messages m SET service_code = r.service_code FROM requests r WHERE r.id = m.request_id;
CREATE FUNCTION messages_service_code() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.service_code IS NULL THEN
    SELECT service_code INTO NEW.service_code FROM requests WHERE id = NEW.request_id;
  END IF;
  RETURN NEW;
END;
$$;
CREATE TRIGGER messages_service_code BEFORE INSERT ON messages FOR EACH ROW EXECUTE FUNCTION messages_service_code();
CREATE FUNCTION requests_follow_service() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE messages SET service_code = NEW.service_code WHERE request_id = NEW.id;
  RETURN NEW;
END;
$$;
CREATE TRIGGER requests_follow_service AFTER UPDATE OF service_code ON requests
  FOR EACH ROW WHEN (OLD.service_code IS DISTINCT FROM NEW.service_code) EXECUTE FUNCTION requests_follow_service();
-- The newest messages of a service first (a search for a very common word ranks the most recent matches).
CREATE INDEX messages_service_recent ON messages (service_code, created_at DESC);

-- The text indexes by service (btree_gin: the service and the words in one index, so that a search never visits
-- another service's rows). Without the extension, the search still works on the indexes above, more slowly.
DO $$
BEGIN
  BEGIN
    CREATE EXTENSION IF NOT EXISTS btree_gin;
  EXCEPTION WHEN OTHERS THEN
    RAISE NOTICE 'btree_gin unavailable: searches by service use the plain text indexes';
  END;
  IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'btree_gin') THEN
    CREATE INDEX messages_service_search ON messages USING gin (service_code, search);
    CREATE INDEX requests_service_search ON requests USING gin (service_code, search);
    -- A multicolumn GIN index serves a condition on any of its columns: the words alone (the company inbox) too.
    DROP INDEX messages_search;
  END IF;
END
$$;
