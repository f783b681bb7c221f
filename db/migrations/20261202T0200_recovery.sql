-- Recovery paths (product §13, api.md « Recovery »): a forgotten password, codes sent again.

-- A single-use link to choose a new password (30 minutes); only the token's hash is kept.
CREATE TABLE password_resets (
  token_hash text PRIMARY KEY,
  space_id   uuid NOT NULL REFERENCES spaces (id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  used_at    timestamptz
);
CREATE INDEX password_resets_by_space ON password_resets (space_id, created_at);

-- Every recovery mail asked for, by address (known or not, so that limits reveal nothing): the rate limits.
CREATE TABLE recovery_requests (
  kind       text NOT NULL CHECK (kind IN ('password_reset', 'device_code', 'space_code')),
  identifier text NOT NULL,
  at         timestamptz NOT NULL
);
CREATE INDEX recovery_requests_by_identifier ON recovery_requests (kind, identifier, at);
