-- The administration writes first (product §16): threads opened by agents, acknowledgements, reminders, threads
-- published later, campaigns, and letters for the companies that have no messagerie.

-- A thread opened by an agent is a request of the same table (same inbox, visibility, export, queue), marked by its
-- origin; it has no author space (the author is the agent).
ALTER TABLE requests ALTER COLUMN author_space_id DROP NOT NULL;
ALTER TABLE requests ADD COLUMN origin text NOT NULL DEFAULT 'company' CHECK (origin IN ('company', 'administration'));
ALTER TABLE requests ADD COLUMN opened_by_agent_id uuid REFERENCES agents (id);
ALTER TABLE requests ADD COLUMN acknowledgement_required boolean NOT NULL DEFAULT false;
-- The date the company is deemed informed, and the person who acknowledged (kept as first given).
ALTER TABLE requests ADD COLUMN acknowledged_at timestamptz;
ALTER TABLE requests ADD COLUMN acknowledged_by uuid REFERENCES spaces (id);
ALTER TABLE requests ADD COLUMN reply_due_at timestamptz;
ALTER TABLE requests ADD COLUMN replies_allowed boolean NOT NULL DEFAULT true;
-- The company side's first reply (a thread waiting for a reply waits no longer).
ALTER TABLE requests ADD COLUMN company_replied_at timestamptz;
-- When the unread reminder is to be considered (7 days after publication); NULL once considered.
ALTER TABLE requests ADD COLUMN reminder_due_at timestamptz;
ALTER TABLE requests ADD COLUMN reminded_at timestamptz;
ALTER TABLE requests ADD COLUMN campaign_id uuid;
ALTER TABLE requests ADD CONSTRAINT requests_origin_author CHECK (
  (origin = 'company' AND author_space_id IS NOT NULL) OR (origin = 'administration' AND opened_by_agent_id IS NOT NULL));
ALTER TABLE requests ADD CONSTRAINT requests_acknowledged_whole CHECK ((acknowledged_at IS NULL) = (acknowledged_by IS NULL));

-- One thread per company and campaign, whatever happens to the job that writes them.
CREATE UNIQUE INDEX requests_one_per_campaign ON requests (campaign_id, siren) WHERE campaign_id IS NOT NULL;
-- The reminders to consider: a handful at any time.
CREATE INDEX requests_reminder_due ON requests (reminder_due_at) WHERE reminder_due_at IS NOT NULL;
-- The agent's queue of threads waiting for the company (an acknowledgement or a reply), by due date.
CREATE INDEX requests_awaiting_company ON requests (service_code, reply_due_at, id)
  WHERE origin = 'administration' AND status <> 'closed'
    AND ((acknowledgement_required AND acknowledged_at IS NULL) OR (reply_due_at IS NOT NULL AND company_replied_at IS NULL));

-- A thread written to be published later: nothing of it exists on the company side (not visible, not notified,
-- not counted) until the worker publishes it as a request with the id and reference reserved here.
CREATE TABLE scheduled_threads (
  id                       uuid PRIMARY KEY,
  reference                text NOT NULL UNIQUE,
  service_code             text NOT NULL REFERENCES tax_services (code),
  agent_id                 uuid NOT NULL REFERENCES agents (id),
  siren                    char(9) NOT NULL,
  tax                      text NOT NULL,
  nature                   text NOT NULL,
  subject                  text NOT NULL,
  body                     text NOT NULL,
  upload_ids               jsonb NOT NULL,
  acknowledgement_required boolean NOT NULL,
  reply_due_at             timestamptz,
  replies_allowed          boolean NOT NULL,
  publish_at               timestamptz NOT NULL,
  created_at               timestamptz NOT NULL,
  published_at             timestamptz,
  cancelled_at             timestamptz
);
CREATE INDEX scheduled_threads_due ON scheduled_threads (publish_at) WHERE published_at IS NULL AND cancelled_at IS NULL;
CREATE INDEX scheduled_threads_service ON scheduled_threads (service_code, publish_at, id) WHERE published_at IS NULL AND cancelled_at IS NULL;

-- A campaign: one message to many companies (supervisors), run by the worker in chunks.
CREATE TABLE campaigns (
  id                       uuid PRIMARY KEY,
  service_code             text NOT NULL REFERENCES tax_services (code),
  created_by               uuid NOT NULL REFERENCES agents (id),
  tax                      text NOT NULL,
  nature                   text NOT NULL,
  subject                  text NOT NULL,
  body                     text NOT NULL,
  acknowledgement_required boolean NOT NULL,
  reply_due_at             timestamptz,
  replies_allowed          boolean NOT NULL,
  publish_at               timestamptz NOT NULL,
  file_name                text NOT NULL,
  status                   text NOT NULL CHECK (status IN ('scheduled', 'running', 'done')),
  total                    integer NOT NULL,
  created_at               timestamptz NOT NULL,
  started_at               timestamptz,
  finished_at              timestamptz
);
CREATE INDEX campaigns_service ON campaigns (service_code, created_at DESC, id DESC);

-- Each line of the CSV and what became of it; written with the thread or the letter, in the same transaction.
CREATE TABLE campaign_recipients (
  campaign_id   uuid NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
  line          integer NOT NULL,
  siren         text NOT NULL,
  status        text NOT NULL CHECK (status IN ('pending', 'thread', 'letter', 'refused')),
  request_id    uuid,
  letter_id     uuid,
  error_code    text,
  error_message text,
  PRIMARY KEY (campaign_id, line)
);
CREATE INDEX campaign_recipients_pending ON campaign_recipients (campaign_id, line) WHERE status = 'pending';

-- The letter that carries a campaign's message to a company without messagerie: one per company and campaign.
ALTER TABLE letters DROP CONSTRAINT letters_kind_check;
ALTER TABLE letters ADD CONSTRAINT letters_kind_check CHECK (kind IN ('activation', 'email_change_notice', 'correspondence'));
ALTER TABLE letters ADD COLUMN campaign_id uuid;
CREATE UNIQUE INDEX letters_one_per_campaign ON letters (campaign_id, siren) WHERE campaign_id IS NOT NULL;

-- A campaign inserts threads and their messages by hundreds in one statement: the companies' activity follows them
-- with one set-based statement per insert (transition tables), not one upsert per row. Updates and deletes stay
-- row by row (one request at a time).
DROP TRIGGER company_activity_follow_requests ON requests;
CREATE TRIGGER company_activity_follow_requests AFTER UPDATE OF status, last_activity_at, archived_at, siren, tax
  ON requests FOR EACH ROW EXECUTE FUNCTION company_activity_follow_requests();
CREATE FUNCTION company_activity_follow_inserted_requests() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- A new request has no message yet: it adds to the open requests and moves the last activity.
  INSERT INTO company_activity AS c (siren, tax, unread, open_requests, last_activity_at)
  SELECT n.siren, n.tax, 0, count(*) FILTER (WHERE n.status <> 'closed'), max(n.last_activity_at)
  FROM new_requests n WHERE n.archived_at IS NULL GROUP BY n.siren, n.tax
  ON CONFLICT (siren, tax) DO UPDATE SET open_requests = c.open_requests + excluded.open_requests,
    last_activity_at = greatest(c.last_activity_at, excluded.last_activity_at)
  WHERE excluded.open_requests <> 0 OR excluded.last_activity_at > c.last_activity_at;
  RETURN NULL;
END
$$;
CREATE TRIGGER company_activity_follow_inserted_requests AFTER INSERT ON requests
  REFERENCING NEW TABLE AS new_requests FOR EACH STATEMENT EXECUTE FUNCTION company_activity_follow_inserted_requests();

DROP TRIGGER company_activity_follow_messages_insert ON messages;
CREATE FUNCTION company_activity_follow_inserted_messages() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO company_activity AS c (siren, tax, unread, open_requests, last_activity_at)
  SELECT r.siren, r.tax, count(*), 0, '-infinity'
  FROM new_messages n
  -- Each message's request by its key (OFFSET 0 keeps the lookup a probe: a transition table has no statistics,
  -- and a hash join would read every request).
  CROSS JOIN LATERAL (SELECT q.siren, q.tax FROM requests q WHERE q.id = n.request_id AND q.archived_at IS NULL OFFSET 0) r
  WHERE n.author_kind <> 'person' AND n.read_by_company_at IS NULL
  GROUP BY r.siren, r.tax
  ON CONFLICT (siren, tax) DO UPDATE SET unread = c.unread + excluded.unread;
  RETURN NULL;
END
$$;
CREATE TRIGGER company_activity_follow_inserted_messages AFTER INSERT ON messages
  REFERENCING NEW TABLE AS new_messages FOR EACH STATEMENT EXECUTE FUNCTION company_activity_follow_inserted_messages();
