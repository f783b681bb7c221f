-- Adhesions by post: company e-mail addresses, adhesions and their codes, letters and print batches,
-- oppositions, alerts for tax offices, and the rights an activated adhesion grants.

-- The one verified company e-mail address of a company (product §6).
CREATE TABLE company_emails (
  siren       char(9) PRIMARY KEY,
  email       text NOT NULL,
  verified_at timestamptz NOT NULL,
  updated_at  timestamptz NOT NULL
);

-- A link (256-bit token, stored hashed) sent to an address to verify it for a company (72 h, single use).
CREATE TABLE company_email_links (
  id            uuid PRIMARY KEY,
  token_hash    char(64) NOT NULL UNIQUE,
  siren         char(9) NOT NULL,
  email         text NOT NULL,
  purpose       text NOT NULL CHECK (purpose IN ('adhesion', 'change')),
  requested_by  uuid NOT NULL,
  adhesion_id   uuid,
  created_at    timestamptz NOT NULL,
  expires_at    timestamptz NOT NULL,
  consumed_at   timestamptz
);
CREATE INDEX company_email_links_siren ON company_email_links (siren, created_at DESC);

CREATE TABLE adhesions (
  id                 uuid PRIMARY KEY,
  space_id           uuid NOT NULL REFERENCES spaces (id) ON DELETE CASCADE,
  siren              char(9) NOT NULL,
  origin             text NOT NULL CHECK (origin IN ('simplified', 'expert')),
  quality            text NOT NULL CHECK (quality IN ('legal_representative', 'mandated')),
  services           jsonb NOT NULL,
  declared_email     text,
  status             text NOT NULL CHECK (status IN ('awaiting_company_email', 'letter_issued', 'active', 'cancelled', 'opposed', 'expired', 'voided')),
  created_at         timestamptz NOT NULL,
  letter_issued_at   timestamptz,
  activated_at       timestamptz,
  ended_at           timestamptz,
  -- The activation code (60 bits) and the opposition code, stored hashed; attempts counted under a row lock.
  code_hash          char(64),
  code_expires_at    timestamptz,
  code_attempts      integer NOT NULL DEFAULT 0,
  opposition_hash    char(64) UNIQUE
);
-- One pending adhesion per person and SIREN.
CREATE UNIQUE INDEX adhesions_one_pending ON adhesions (space_id, siren) WHERE status IN ('awaiting_company_email', 'letter_issued');
CREATE INDEX adhesions_space ON adhesions (space_id, created_at DESC);
CREATE INDEX adhesions_siren ON adhesions (siren, status);

-- Letters to a company's registered address. The fields (codes included) are sealed (AES-GCM) until the letter
-- is posted; then only a masked copy remains.
CREATE TABLE letters (
  id             uuid PRIMARY KEY,
  number         bigserial UNIQUE,
  siren          char(9) NOT NULL,
  adhesion_id    uuid REFERENCES adhesions (id) ON DELETE SET NULL,
  kind           text NOT NULL CHECK (kind IN ('activation', 'email_change_notice')),
  status         text NOT NULL CHECK (status IN ('edited', 'printed', 'posted', 'returned', 'voided')),
  address_lines  jsonb NOT NULL,
  content_sealed text NOT NULL,
  pdf_sealed     text,
  edited_at      timestamptz NOT NULL,
  rendered_at    timestamptz,
  batch_id       uuid,
  printed_at     timestamptz,
  posted_at      timestamptz,
  returned_at    timestamptz
);
CREATE INDEX letters_siren ON letters (siren, edited_at DESC);
CREATE INDEX letters_to_print ON letters (edited_at) WHERE status = 'edited';

CREATE TABLE print_batches (
  id          uuid PRIMARY KEY,
  for_date    date NOT NULL,
  letters     integer NOT NULL,
  pdf_path    text NOT NULL,
  manifest_path text NOT NULL,
  created_at  timestamptz NOT NULL,
  posted_at   timestamptz
);

CREATE TABLE oppositions (
  id                 uuid PRIMARY KEY,
  adhesion_id        uuid NOT NULL REFERENCES adhesions (id),
  siren              char(9) NOT NULL,
  requester_space_id uuid NOT NULL,
  created_at         timestamptz NOT NULL,
  ip                 text
);

-- Wrong opposition codes per SIREN and day (5 allowed).
CREATE TABLE opposition_failures (
  siren    char(9) NOT NULL,
  day      date NOT NULL,
  failures integer NOT NULL,
  PRIMARY KEY (siren, day)
);

-- A requester stopped by an opposition may not adhere to that SIREN again until `until`.
CREATE TABLE adhesion_blocks (
  space_id uuid NOT NULL,
  siren    char(9) NOT NULL,
  until    timestamptz NOT NULL,
  reason   text NOT NULL,
  PRIMARY KEY (space_id, siren)
);

-- Alerts for a company's tax office (shown in the back office).
CREATE TABLE tax_office_alerts (
  id           uuid PRIMARY KEY,
  siren        char(9) NOT NULL,
  service_code text,
  kind         text NOT NULL,
  adhesion_id  uuid,
  data         jsonb NOT NULL,
  created_at   timestamptz NOT NULL,
  handled_at   timestamptz
);
CREATE INDEX tax_office_alerts_service ON tax_office_alerts (service_code, created_at DESC);

-- Rights (habilitations): (person, company, service, role, tax scope, validity, state).
CREATE TABLE rights (
  id              uuid PRIMARY KEY,
  space_id        uuid NOT NULL REFERENCES spaces (id) ON DELETE CASCADE,
  siren           char(9) NOT NULL,
  service         text NOT NULL,
  role            text NOT NULL CHECK (role IN ('administrator', 'deputy', 'delegate')),
  tax_scope       jsonb,
  state           text NOT NULL CHECK (state IN ('active', 'suspended', 'revoked')),
  valid_from      timestamptz NOT NULL,
  valid_until     timestamptz,
  adhesion_id     uuid,
  granted_by_right uuid REFERENCES rights (id),
  granted_by_space uuid,
  created_at      timestamptz NOT NULL,
  revoked_at      timestamptz
);
CREATE INDEX rights_space ON rights (space_id, siren) WHERE state <> 'revoked';
CREATE INDEX rights_siren ON rights (siren) WHERE state <> 'revoked';
CREATE INDEX rights_adhesion ON rights (adhesion_id);

DROP TABLE caught_letters;
