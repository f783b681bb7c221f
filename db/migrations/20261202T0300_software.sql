-- Software access (product §15): accounting software acting through OAuth 2.0 for the people who consented.

-- The software the operator registered (`cli register-software`). A confidential client's secret is not stored: it
-- is derived from the configured OAuth key and `secret_salt` (HMAC-SHA-256), so the database alone reveals nothing.
CREATE TABLE software (
  client_id     text PRIMARY KEY,
  name          text NOT NULL,
  redirect_uris jsonb NOT NULL,
  public        boolean NOT NULL,
  secret_salt   text,
  created_at    timestamptz NOT NULL,
  disabled_at   timestamptz,
  CHECK (public = (secret_salt IS NULL))
);

-- What the authorization server (oidc-provider) keeps: codes, tokens, grants, interactions, sessions. Tokens are
-- kept under their identifier; the value a software holds is not derivable from a row alone.
CREATE TABLE oauth_artifacts (
  model       text NOT NULL,
  id          text NOT NULL,
  payload     jsonb NOT NULL,
  grant_id    text,
  uid         text,
  expires_at  timestamptz,
  consumed_at timestamptz,
  PRIMARY KEY (model, id)
);
CREATE INDEX oauth_artifacts_by_grant ON oauth_artifacts (grant_id) WHERE grant_id IS NOT NULL;
CREATE INDEX oauth_artifacts_by_uid ON oauth_artifacts (uid) WHERE uid IS NOT NULL;
CREATE INDEX oauth_artifacts_by_expiry ON oauth_artifacts (expires_at);

-- A person's consent to a software: its scopes and its companies (all of hers, or the chosen ones). `grant_id` is
-- the authorization server's; `id` is the one the API shows.
CREATE TABLE software_grants (
  grant_id      text PRIMARY KEY,
  id            uuid NOT NULL UNIQUE,
  client_id     text NOT NULL REFERENCES software (client_id),
  space_id      uuid NOT NULL REFERENCES spaces (id) ON DELETE CASCADE,
  scopes        jsonb NOT NULL,
  all_companies boolean NOT NULL,
  created_at    timestamptz NOT NULL,
  expires_at    timestamptz NOT NULL,
  last_used_at  timestamptz,
  revoked_at    timestamptz,
  revoked_why   text CHECK (revoked_why IN ('person', 'software', 'refresh_reuse', 'software_disabled'))
);
CREATE INDEX software_grants_by_space ON software_grants (space_id, created_at DESC);

CREATE TABLE software_grant_companies (
  grant_id text NOT NULL REFERENCES software_grants (grant_id) ON DELETE CASCADE,
  siren    char(9) NOT NULL,
  PRIMARY KEY (grant_id, siren)
);
CREATE INDEX software_grant_companies_by_siren ON software_grant_companies (siren);

-- A company's administrator cut a software acting through a person off for the company.
CREATE TABLE software_company_blocks (
  siren      char(9) NOT NULL,
  client_id  text NOT NULL REFERENCES software (client_id),
  space_id   uuid NOT NULL REFERENCES spaces (id) ON DELETE CASCADE,
  blocked_by uuid NOT NULL,
  blocked_at timestamptz NOT NULL,
  PRIMARY KEY (client_id, space_id, siren)
);
CREATE INDEX software_company_blocks_by_siren ON software_company_blocks (siren);
