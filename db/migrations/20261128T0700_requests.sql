-- The messagerie (product §8): requests, messages, uploads and attachments, receipts, idempotency, preferences.

-- French full-text search with accents folded when the database has `unaccent` (PGlite ships it; so does the
-- server's contrib). The configuration is immutable, so search vectors can be generated columns.
DO $$
BEGIN
  BEGIN
    CREATE EXTENSION IF NOT EXISTS unaccent;
  EXCEPTION WHEN OTHERS THEN
    RAISE NOTICE 'unaccent unavailable: French search without accent folding';
  END;
  CREATE TEXT SEARCH CONFIGURATION messagerie_fr (COPY = french);
  IF EXISTS (SELECT 1 FROM pg_ts_dict WHERE dictname = 'unaccent') THEN
    ALTER TEXT SEARCH CONFIGURATION messagerie_fr ALTER MAPPING FOR hword, hword_part, word WITH unaccent, french_stem;
  END IF;
END
$$;

CREATE TABLE request_counters (
  service_code text NOT NULL,
  year         integer NOT NULL,
  last_value   integer NOT NULL,
  PRIMARY KEY (service_code, year)
);

CREATE TABLE requests (
  id               uuid PRIMARY KEY,
  reference        text NOT NULL UNIQUE,
  siren            char(9) NOT NULL,
  tax              text NOT NULL,
  nature           text NOT NULL,
  subject          text NOT NULL,
  status           text NOT NULL CHECK (status IN ('received', 'in_progress', 'awaiting_user', 'answered', 'closed')),
  service_code     text NOT NULL,
  author_space_id  uuid NOT NULL REFERENCES spaces (id),
  received_at      timestamptz NOT NULL,
  last_activity_at timestamptz NOT NULL,
  answered_at      timestamptz,
  first_answer_at  timestamptz,
  closed_at        timestamptz,
  archived_at      timestamptz,
  legal_hold       boolean NOT NULL DEFAULT false,
  version          integer NOT NULL DEFAULT 1,
  search           tsvector GENERATED ALWAYS AS (to_tsvector('messagerie_fr', reference || ' ' || subject)) STORED
);
-- The inbox: per company and tax, newest activity first (keyset on (last_activity_at, id)).
CREATE INDEX requests_inbox ON requests (siren, tax, last_activity_at DESC, id DESC) WHERE archived_at IS NULL;
-- The cross-company inbox walks requests by activity and keeps those the person may see.
CREATE INDEX requests_activity ON requests (last_activity_at DESC, id DESC) WHERE archived_at IS NULL;
CREATE INDEX requests_service ON requests (service_code, status, last_activity_at DESC);
CREATE INDEX requests_search ON requests USING gin (search);

CREATE TABLE messages (
  id                      uuid PRIMARY KEY,
  -- Order of the thread (several messages may share a timestamp).
  seq                     bigserial NOT NULL,
  request_id              uuid NOT NULL REFERENCES requests (id) ON DELETE CASCADE,
  author_kind             text NOT NULL CHECK (author_kind IN ('person', 'agent', 'system')),
  author_space_id         uuid,
  author_agent_id         uuid,
  body                    text NOT NULL,
  body_sha256             char(64) NOT NULL,
  created_at              timestamptz NOT NULL,
  read_by_company_at      timestamptz,
  read_by_company_space   uuid,
  read_by_administration_at timestamptz,
  search                  tsvector GENERATED ALWAYS AS (to_tsvector('messagerie_fr', body)) STORED
);
CREATE INDEX messages_request ON messages (request_id, seq);

-- Messages are immutable: only the read marks may be set (once).
CREATE FUNCTION messages_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.body IS DISTINCT FROM OLD.body OR NEW.body_sha256 IS DISTINCT FROM OLD.body_sha256
     OR NEW.request_id IS DISTINCT FROM OLD.request_id OR NEW.author_kind IS DISTINCT FROM OLD.author_kind
     OR NEW.author_space_id IS DISTINCT FROM OLD.author_space_id OR NEW.author_agent_id IS DISTINCT FROM OLD.author_agent_id
     OR NEW.created_at IS DISTINCT FROM OLD.created_at
     OR (OLD.read_by_company_at IS NOT NULL AND NEW.read_by_company_at IS DISTINCT FROM OLD.read_by_company_at)
     OR (OLD.read_by_administration_at IS NOT NULL AND NEW.read_by_administration_at IS DISTINCT FROM OLD.read_by_administration_at) THEN
    RAISE EXCEPTION 'messages are immutable' USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END;
$$;
CREATE TRIGGER messages_immutable BEFORE UPDATE ON messages FOR EACH ROW EXECUTE FUNCTION messages_immutable();
CREATE INDEX messages_unread_company ON messages (request_id) WHERE author_kind <> 'person' AND read_by_company_at IS NULL;
CREATE INDEX messages_search ON messages USING gin (search);

-- Files uploaded before a message refers to them (unreferenced ones expire after 24 h).
CREATE TABLE uploads (
  id          uuid PRIMARY KEY,
  space_id    uuid NOT NULL REFERENCES spaces (id) ON DELETE CASCADE,
  name        text NOT NULL,
  size        integer NOT NULL,
  media_type  text NOT NULL,
  sha256      char(64) NOT NULL,
  -- The file itself lives in the content-addressed file store, under its SHA-256 (docs/adr/0004).
  storage_key text NOT NULL,
  scan_status text NOT NULL CHECK (scan_status IN ('clean', 'not_scanned', 'quarantined')),
  created_at  timestamptz NOT NULL,
  attached_at timestamptz
);
CREATE INDEX uploads_unattached ON uploads (created_at) WHERE attached_at IS NULL;

CREATE TABLE attachments (
  id          uuid PRIMARY KEY,
  message_id  uuid NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
  upload_id   uuid NOT NULL UNIQUE REFERENCES uploads (id),
  position    integer NOT NULL
);
CREATE INDEX attachments_message ON attachments (message_id, position);

-- The signed acknowledgement of receipt of a request (CRPA L112-11).
CREATE TABLE receipts (
  request_id uuid PRIMARY KEY REFERENCES requests (id) ON DELETE CASCADE,
  pdf        bytea NOT NULL,
  created_at timestamptz NOT NULL
);

-- A retried POST with the same Idempotency-Key returns the first answer (24 h).
CREATE TABLE idempotency_keys (
  space_id   uuid NOT NULL,
  key        text NOT NULL,
  route      text NOT NULL,
  status     integer NOT NULL,
  response   jsonb NOT NULL,
  created_at timestamptz NOT NULL,
  PRIMARY KEY (space_id, key)
);

CREATE TABLE notification_preferences (
  space_id uuid PRIMARY KEY REFERENCES spaces (id) ON DELETE CASCADE,
  mode     text NOT NULL CHECK (mode IN ('immediate', 'daily'))
);

-- Notifications waiting for a daily digest.
CREATE TABLE pending_digests (
  space_id   uuid NOT NULL,
  request_id uuid NOT NULL,
  created_at timestamptz NOT NULL,
  PRIMARY KEY (space_id, request_id)
);

-- A legal hold on a company suspends the purge of all its requests (a request has its own flag too).
CREATE TABLE legal_holds (
  siren      char(9) PRIMARY KEY,
  reason     text NOT NULL,
  created_at timestamptz NOT NULL
);
CREATE INDEX requests_closed ON requests (closed_at) WHERE closed_at IS NOT NULL;
