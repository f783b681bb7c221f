-- Foundation: reference data, spaces and sign-in, agents, journal, outbox and dev catchers.

-- Reference data (INSEE SIRENE, tax services) -----------------------------------------------------
CREATE TABLE tax_services (
  code        text PRIMARY KEY,
  type        text NOT NULL CHECK (type IN ('SIE', 'SIP', 'CDIF', 'PCE', 'CC')),
  name        text NOT NULL,
  address     text NOT NULL,
  postal_code text NOT NULL,
  city        text NOT NULL,
  updated_at  timestamptz NOT NULL DEFAULT now()
);

-- A service is competent for a list of communes (5 characters) or departments (2–3 characters).
CREATE TABLE tax_service_competences (
  service_code text NOT NULL REFERENCES tax_services (code) ON DELETE CASCADE,
  area_code    text NOT NULL,
  PRIMARY KEY (service_code, area_code)
);
CREATE INDEX tax_service_competences_area ON tax_service_competences (area_code);

CREATE TABLE companies (
  siren              char(9) PRIMARY KEY,
  name               text NOT NULL,
  acronym            text,
  legal_form         text,
  is_active          boolean NOT NULL,
  diffusion          text NOT NULL DEFAULT 'O',
  head_office_nic    char(5),
  legal_rep_first_name text,
  legal_rep_last_name  text,
  updated_at         timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE establishments (
  siret          char(14) PRIMARY KEY,
  siren          char(9) NOT NULL,
  nic            char(5) NOT NULL,
  is_head_office boolean NOT NULL,
  is_active      boolean NOT NULL,
  address_complement text,
  street_number  text,
  street_repetition text,
  street_type    text,
  street_name    text,
  special_distribution text,
  postal_code    text,
  commune_name   text,
  commune_code   text,
  cedex_code     text,
  cedex_name     text,
  foreign_country_code text,
  foreign_country_name text,
  foreign_commune_name text,
  updated_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX establishments_siren ON establishments (siren);

-- Professional spaces -------------------------------------------------------------------------------
CREATE TABLE spaces (
  id                uuid PRIMARY KEY,
  subscriber_number char(14) NOT NULL UNIQUE,
  mode              text NOT NULL CHECK (mode IN ('simplified', 'expert')),
  connection_email  text NOT NULL UNIQUE,
  password_hash     text NOT NULL,
  first_name        text NOT NULL,
  last_name         text NOT NULL,
  phone             text NOT NULL,
  entity_siren      char(9) NOT NULL,
  status            text NOT NULL CHECK (status IN ('pending_email_verification', 'active')),
  created_at        timestamptz NOT NULL,
  verified_at       timestamptz
);
CREATE INDEX spaces_pending ON spaces (created_at) WHERE status = 'pending_email_verification';

-- The code e-mailed to verify a connection address (48 h, 5 attempts). One live code per space.
CREATE TABLE space_email_codes (
  space_id   uuid PRIMARY KEY REFERENCES spaces (id) ON DELETE CASCADE,
  code_hash  text NOT NULL,
  expires_at timestamptz NOT NULL,
  attempts   integer NOT NULL DEFAULT 0
);

-- The 6-digit code of a sign-in from an unknown device (30 minutes, 5 attempts).
CREATE TABLE device_challenges (
  space_id   uuid PRIMARY KEY REFERENCES spaces (id) ON DELETE CASCADE,
  code_hash  text NOT NULL,
  expires_at timestamptz NOT NULL,
  attempts   integer NOT NULL DEFAULT 0
);

-- A remembered device: a random token kept in a cookie, stored hashed (6 months).
CREATE TABLE devices (
  token_hash   text PRIMARY KEY,
  space_id     uuid NOT NULL REFERENCES spaces (id) ON DELETE CASCADE,
  created_at   timestamptz NOT NULL,
  expires_at   timestamptz NOT NULL,
  last_used_at timestamptz NOT NULL
);
CREATE INDEX devices_space ON devices (space_id);

-- Agents -------------------------------------------------------------------------------------------
CREATE TABLE agents (
  id               uuid PRIMARY KEY,
  email            text NOT NULL UNIQUE,
  name             text NOT NULL,
  password_hash    text NOT NULL,
  totp_secret_sealed text NOT NULL,
  last_totp_step   bigint NOT NULL DEFAULT 0,
  is_supervisor    boolean NOT NULL DEFAULT false,
  created_at       timestamptz NOT NULL
);

CREATE TABLE agent_services (
  agent_id     uuid NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
  service_code text NOT NULL REFERENCES tax_services (code),
  PRIMARY KEY (agent_id, service_code)
);

-- Sign-in failures per identifier (e-mail), whether or not an account exists, so that the back-off does not
-- reveal which addresses have an account.
CREATE TABLE sign_in_throttle (
  kind            text NOT NULL CHECK (kind IN ('person', 'agent')),
  identifier      text NOT NULL,
  failures        integer NOT NULL DEFAULT 0,
  locked_until    timestamptz,
  last_failure_at timestamptz NOT NULL,
  PRIMARY KEY (kind, identifier)
);

-- Sessions (company side and agents): opaque token stored hashed -----------------------------------
CREATE TABLE sessions (
  token_hash   text PRIMARY KEY,
  kind         text NOT NULL CHECK (kind IN ('person', 'agent')),
  subject_id   uuid NOT NULL,
  csrf_token   text NOT NULL,
  created_at   timestamptz NOT NULL,
  last_seen_at timestamptz NOT NULL,
  idle_expires_at timestamptz NOT NULL,
  absolute_expires_at timestamptz NOT NULL
);
CREATE INDEX sessions_subject ON sessions (kind, subject_id);

-- Journal (hash-chained, append-only) -------------------------------------------------------------
-- An entry is written in the transaction of the change it records (`id` gives the order of writing); the chainer
-- then gives it its place in the chain (`seq`) and its hashes, outside the request path, so that writers do not
-- queue behind one lock. Once chained, an entry can never change; before, only the chain columns may be set.
CREATE TABLE journal (
  id           bigserial PRIMARY KEY,
  seq          bigint UNIQUE,
  at           timestamptz NOT NULL,
  actor_kind   text NOT NULL CHECK (actor_kind IN ('person', 'agent', 'operator', 'system', 'anonymous')),
  actor_id     text,
  action       text NOT NULL,
  subject_type text,
  subject_id   text,
  data         jsonb NOT NULL,
  prev_hash    char(64),
  hash         char(64) UNIQUE
);
CREATE INDEX journal_unchained ON journal (id) WHERE seq IS NULL;
CREATE INDEX journal_action ON journal (action);

CREATE FUNCTION journal_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND OLD.hash IS NULL
     AND NEW.at = OLD.at AND NEW.actor_kind = OLD.actor_kind AND NEW.actor_id IS NOT DISTINCT FROM OLD.actor_id
     AND NEW.action = OLD.action AND NEW.subject_type IS NOT DISTINCT FROM OLD.subject_type
     AND NEW.subject_id IS NOT DISTINCT FROM OLD.subject_id AND NEW.data = OLD.data THEN
    RETURN NEW; -- chaining an entry: only seq, prev_hash and hash are set
  END IF;
  RAISE EXCEPTION 'the journal is append-only (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER journal_append_only BEFORE UPDATE OR DELETE ON journal
  FOR EACH ROW EXECUTE FUNCTION journal_refuse_change();
CREATE TRIGGER journal_no_truncate BEFORE TRUNCATE ON journal
  FOR EACH STATEMENT EXECUTE FUNCTION journal_refuse_change();

-- Outbox: side effects written in the transaction of the change, delivered by the worker -----------
CREATE TABLE outbox (
  id          bigserial PRIMARY KEY,
  kind        text NOT NULL,
  payload     jsonb NOT NULL,
  status      text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done', 'dead')),
  attempts    integer NOT NULL DEFAULT 0,
  run_after   timestamptz NOT NULL,
  last_error  text,
  created_at  timestamptz NOT NULL,
  done_at     timestamptz
);
CREATE INDEX outbox_due ON outbox (run_after) WHERE status = 'pending';

-- Development catchers (mail and letters); empty and unused in production -------------------------
CREATE TABLE caught_mails (
  id       bigserial PRIMARY KEY,
  to_addr  text NOT NULL,
  subject  text NOT NULL,
  text     text NOT NULL,
  html     text,
  sent_at  timestamptz NOT NULL
);
CREATE INDEX caught_mails_to ON caught_mails (to_addr, id DESC);

CREATE TABLE caught_letters (
  id            bigserial PRIMARY KEY,
  siren         char(9) NOT NULL,
  kind          text NOT NULL,
  address_lines jsonb NOT NULL,
  fields        jsonb NOT NULL,
  pdf           bytea,
  edited_at     timestamptz NOT NULL
);
CREATE INDEX caught_letters_siren ON caught_letters (siren, id DESC);
