-- Rights and delegation (product §7): offers of deputy roles and delegations, suspension cascades, last activity.

CREATE TABLE delegation_offers (
  id             uuid PRIMARY KEY,
  siren          char(9) NOT NULL,
  from_space_id  uuid NOT NULL REFERENCES spaces (id) ON DELETE CASCADE,
  to_space_id    uuid NOT NULL REFERENCES spaces (id) ON DELETE CASCADE,
  role           text NOT NULL CHECK (role IN ('deputy', 'delegate')),
  services       jsonb NOT NULL,
  tax_scope      jsonb,
  valid_until    timestamptz,
  status         text NOT NULL CHECK (status IN ('offered', 'accepted', 'declined', 'expired', 'cancelled', 'revoked')),
  created_at     timestamptz NOT NULL,
  expires_at     timestamptz NOT NULL,
  decided_at     timestamptz
);
CREATE INDEX delegation_offers_to ON delegation_offers (to_space_id, created_at DESC);
CREATE INDEX delegation_offers_from ON delegation_offers (from_space_id, created_at DESC);
CREATE INDEX delegation_offers_siren ON delegation_offers (siren);

-- The rights an accepted offer created; the right whose suspension suspended this one (itself when explicit).
ALTER TABLE rights ADD COLUMN offer_id uuid REFERENCES delegation_offers (id);
ALTER TABLE rights ADD COLUMN suspended_by uuid;
CREATE INDEX rights_offer ON rights (offer_id);
CREATE INDEX rights_granted_by ON rights (granted_by_right);
CREATE INDEX rights_gate ON rights (space_id, siren, service) WHERE state = 'active';
CREATE INDEX rights_revoked ON rights (revoked_at) WHERE state = 'revoked';

ALTER TABLE spaces ADD COLUMN last_sign_in_at timestamptz;
