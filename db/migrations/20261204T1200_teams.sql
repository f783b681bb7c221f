-- Teams in a firm (product §19): a firm's administrator groups colleagues and client companies under one grant.
-- A team's grant is materialised as ordinary rights, one per active member, company and service, granted from the
-- administrator's own right on the company: every rule of §7 (scope, expiry, cascade, suspension) applies as is.
CREATE TABLE teams (
  id             uuid PRIMARY KEY,
  -- The firm: the entity of the administrator who made the team; only its people see it.
  entity_siren   char(9) NOT NULL,
  -- The administrator who made the team and manages it; the team's rights are granted from her rights.
  owner_space_id uuid NOT NULL REFERENCES spaces (id) ON DELETE CASCADE,
  name           text NOT NULL,
  role           text NOT NULL CHECK (role IN ('deputy', 'delegate')),
  services       jsonb NOT NULL,
  tax_scope      jsonb,
  created_at     timestamptz NOT NULL
);
CREATE UNIQUE INDEX teams_entity_name ON teams (entity_siren, lower(name));
CREATE INDEX teams_entity ON teams (entity_siren, created_at, id);

CREATE TABLE team_members (
  team_id    uuid NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
  space_id   uuid NOT NULL REFERENCES spaces (id) ON DELETE CASCADE,
  state      text NOT NULL CHECK (state IN ('invited', 'active')),
  invited_at timestamptz NOT NULL,
  joined_at  timestamptz,
  PRIMARY KEY (team_id, space_id)
);
CREATE INDEX team_members_space ON team_members (space_id);

CREATE TABLE team_companies (
  team_id  uuid NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
  siren    char(9) NOT NULL,
  added_at timestamptz NOT NULL,
  PRIMARY KEY (team_id, siren)
);

-- The team a right comes from (NULL for rights by adhesion or by an individual delegation).
ALTER TABLE rights ADD COLUMN team_id uuid REFERENCES teams (id);
CREATE INDEX rights_team ON rights (team_id, space_id, siren) WHERE team_id IS NOT NULL AND state <> 'revoked';

-- « Mes entreprises » follows the rights per statement instead of per row: a team change writes or revokes thousands
-- of rights in one statement (500 companies × 10 members × 3 services), and refreshing the entry of each
-- (person, company) once, set-based, keeps it at the speed of one change. Same result as portfolio_refresh, for many
-- pairs at a time.
CREATE FUNCTION portfolio_refresh_pairs(p_spaces uuid[], p_sirens text[]) RETURNS void LANGUAGE sql AS $$
  -- Each pair is read through its own index probes (LATERAL), as portfolio_refresh does, so that the cost stays
  -- linear in the pairs whatever the planner believes of the tables' sizes (freshly loaded, never analysed).
  WITH p AS MATERIALIZED (SELECT DISTINCT s AS space_id, n::char(9) AS siren FROM unnest(p_spaces, p_sirens) AS x (s, n)),
  f AS MATERIALIZED (
    SELECT p.space_id, p.siren, r.services, r.roles, r.rights_from, r.rights_until, r.has_messagerie, pend.n AS pending,
           -- Taxes the messagerie covers: NULL every tax, '{}' none.
           CASE WHEN NOT r.has_messagerie THEN '{}'::text[]
                WHEN r.all_taxes THEN NULL
                ELSE coalesce((SELECT array_agg(DISTINCT e ORDER BY e)
                                 FROM rights g CROSS JOIN jsonb_array_elements_text(g.tax_scope) AS e
                                WHERE g.space_id = p.space_id AND g.siren = p.siren AND g.state = 'active' AND g.service = 'messagerie'), '{}')
           END AS taxes
      FROM p
     CROSS JOIN LATERAL (
       SELECT array_agg(DISTINCT g.service ORDER BY g.service) AS services, array_agg(DISTINCT g.role ORDER BY g.role) AS roles,
              min(g.valid_from) AS rights_from,
              CASE WHEN bool_or(g.valid_until IS NULL) THEN NULL ELSE max(g.valid_until) END AS rights_until,
              coalesce(bool_or(g.service = 'messagerie'), false) AS has_messagerie,
              coalesce(bool_or(g.service = 'messagerie' AND g.tax_scope IS NULL), false) AS all_taxes
         FROM rights g WHERE g.space_id = p.space_id AND g.siren = p.siren AND g.state = 'active') r
     CROSS JOIN LATERAL (
       SELECT count(*)::integer AS n FROM adhesions ad
        WHERE ad.space_id = p.space_id AND ad.siren = p.siren AND ad.status IN ('awaiting_company_email', 'letter_issued')) pend),
  gone AS (
    DELETE FROM portfolio_entries e USING f
     WHERE e.space_id = f.space_id AND e.siren = f.siren AND f.services IS NULL AND f.pending = 0)
  INSERT INTO portfolio_entries AS e (space_id, siren, name_key, services, roles, rights_from, rights_until, messagerie_taxes,
                                      pending_adhesions, unread, open_requests)
  SELECT f.space_id, f.siren, coalesce(portfolio_fold(c.name), f.siren), coalesce(f.services, '{}'), coalesce(f.roles, '{}'), f.rights_from,
         f.rights_until, f.taxes, f.pending, coalesce(a.unread, 0), coalesce(a.open_requests, 0)
    FROM f
    LEFT JOIN companies c ON c.siren = f.siren
    LEFT JOIN LATERAL (
      SELECT sum(ca.unread)::integer AS unread, sum(ca.open_requests)::integer AS open_requests FROM company_activity ca
       WHERE f.has_messagerie AND ca.siren = f.siren AND (f.taxes IS NULL OR ca.tax = ANY (f.taxes))) a ON true
   WHERE f.services IS NOT NULL OR f.pending > 0
  ON CONFLICT (space_id, siren) DO UPDATE SET
    name_key = EXCLUDED.name_key, services = EXCLUDED.services, roles = EXCLUDED.roles, rights_from = EXCLUDED.rights_from,
    rights_until = EXCLUDED.rights_until, messagerie_taxes = EXCLUDED.messagerie_taxes, pending_adhesions = EXCLUDED.pending_adhesions,
    unread = EXCLUDED.unread, open_requests = EXCLUDED.open_requests
$$;

CREATE FUNCTION portfolio_follow_rights_statement() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    PERFORM portfolio_refresh_pairs(array_agg(space_id), array_agg(siren)) FROM (SELECT DISTINCT space_id, siren FROM new_rights) p;
  ELSIF TG_OP = 'DELETE' THEN
    PERFORM portfolio_refresh_pairs(array_agg(space_id), array_agg(siren)) FROM (SELECT DISTINCT space_id, siren FROM old_rights) p;
  ELSE
    PERFORM portfolio_refresh_pairs(array_agg(space_id), array_agg(siren)) FROM (
      SELECT space_id, siren FROM old_rights UNION SELECT space_id, siren FROM new_rights) p;
  END IF;
  RETURN NULL;
END
$$;
DROP TRIGGER portfolio_follow_rights ON rights;
DROP FUNCTION portfolio_follow_rights();
CREATE TRIGGER portfolio_follow_rights_insert AFTER INSERT ON rights REFERENCING NEW TABLE AS new_rights
  FOR EACH STATEMENT EXECUTE FUNCTION portfolio_follow_rights_statement();
CREATE TRIGGER portfolio_follow_rights_update AFTER UPDATE ON rights REFERENCING OLD TABLE AS old_rights NEW TABLE AS new_rights
  FOR EACH STATEMENT EXECUTE FUNCTION portfolio_follow_rights_statement();
CREATE TRIGGER portfolio_follow_rights_delete AFTER DELETE ON rights REFERENCING OLD TABLE AS old_rights
  FOR EACH STATEMENT EXECUTE FUNCTION portfolio_follow_rights_statement();
