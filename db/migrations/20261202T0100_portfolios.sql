-- Portfolios (product §14): « mes entreprises » at 10,000 companies per space, bulk adhesions, exports.

-- A company name folded for sorting and word search: lower case, accents and ligatures folded, anything but
-- letters and digits turned into single spaces. The same folding is done on the query side (portfolio.fold.ts).
CREATE FUNCTION portfolio_fold(t text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT btrim(regexp_replace(
    translate(replace(replace(lower(t), 'œ', 'oe'), 'æ', 'ae'),
      'àâäáãåçéèêëíìîïñóòôöõúùûüýÿ', 'aaaaaaceeeeiiiinooooouuuuyy'),
    '[^a-z0-9]+', ' ', 'g'))
$$;

-- What a company's requests hold, per tax: unread messages of the administration, open requests, last
-- activity. Kept by the triggers below in the transaction of every change, so a list never counts threads.
CREATE TABLE company_activity (
  siren            char(9) NOT NULL,
  tax              text NOT NULL,
  unread           integer NOT NULL DEFAULT 0,
  open_requests    integer NOT NULL DEFAULT 0,
  last_activity_at timestamptz NOT NULL DEFAULT '-infinity',
  PRIMARY KEY (siren, tax)
);

-- One row per person and company where the person holds an active right or has a pending adhesion: the
-- index of « mes entreprises ». The last activity is not copied here (a company reply would rewrite every
-- holder's row): it is read from company_activity for the rows shown, or for all when sorting by it. Rights and adhesions stay the truth (the page re-reads the live rights of its
-- rows); this table makes the keyset pagination, the sorts and the counts independent of the portfolio's size.
CREATE TABLE portfolio_entries (
  space_id          uuid NOT NULL REFERENCES spaces (id) ON DELETE CASCADE,
  siren             char(9) NOT NULL,
  name_key          text NOT NULL,
  -- Services and roles of the active rights; their validity window (rights_until NULL: one has no end).
  services          text[] NOT NULL,
  roles             text[] NOT NULL,
  rights_from       timestamptz,
  rights_until      timestamptz,
  -- Taxes the person's messagerie covers here: NULL every tax, '{}' none.
  messagerie_taxes  text[],
  pending_adhesions integer NOT NULL,
  unread            integer NOT NULL,
  open_requests     integer NOT NULL,
  PRIMARY KEY (space_id, siren)
);
CREATE INDEX portfolio_by_name ON portfolio_entries (space_id, name_key, siren);
CREATE INDEX portfolio_by_unread ON portfolio_entries (space_id, unread DESC, siren DESC);
-- « Avec des messages non lus », by name: the few rows with unread messages, in name order.
CREATE INDEX portfolio_unread_by_name ON portfolio_entries (space_id, name_key, siren) WHERE unread > 0;
CREATE INDEX portfolio_siren ON portfolio_entries (siren);
-- Entries whose rights ended or have not started (the few a count must take off the totals below).
CREATE INDEX portfolio_until ON portfolio_entries (space_id, rights_until) WHERE rights_until IS NOT NULL AND pending_adhesions = 0;
CREATE INDEX portfolio_from ON portfolio_entries (space_id, rights_from) WHERE pending_adhesions = 0;

-- Word search in names: trigrams, with the person in the same index (btree_gin) when the extensions exist.
DO $$
BEGIN
  BEGIN
    CREATE EXTENSION IF NOT EXISTS pg_trgm;
  EXCEPTION WHEN OTHERS THEN
    RAISE NOTICE 'pg_trgm unavailable: name search in « mes entreprises » scans the person''s entries';
  END;
  IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') AND EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'btree_gin') THEN
    CREATE INDEX portfolio_name_words ON portfolio_entries USING gin (space_id, (' ' || name_key) gin_trgm_ops);
  END IF;
END
$$;

-- Per person: the entries and their unread messages, so that the header and the first page never count rows.
CREATE TABLE portfolio_counts (
  space_id    uuid PRIMARY KEY REFERENCES spaces (id) ON DELETE CASCADE,
  entries     integer NOT NULL,
  unread      integer NOT NULL,
  with_unread integer NOT NULL
);
CREATE FUNCTION portfolio_follow_entries() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO portfolio_counts AS c (space_id, entries, unread, with_unread) VALUES (NEW.space_id, 1, NEW.unread, (NEW.unread > 0)::integer)
    ON CONFLICT (space_id) DO UPDATE SET entries = c.entries + 1, unread = c.unread + NEW.unread, with_unread = c.with_unread + (NEW.unread > 0)::integer;
  ELSIF TG_OP = 'DELETE' THEN
    UPDATE portfolio_counts SET entries = entries - 1, unread = unread - OLD.unread, with_unread = with_unread - (OLD.unread > 0)::integer
      WHERE space_id = OLD.space_id;
  ELSIF NEW.unread <> OLD.unread THEN
    UPDATE portfolio_counts SET unread = unread + NEW.unread - OLD.unread, with_unread = with_unread + (NEW.unread > 0)::integer - (OLD.unread > 0)::integer
      WHERE space_id = NEW.space_id;
  END IF;
  RETURN NULL;
END
$$;
CREATE TRIGGER portfolio_follow_entries AFTER INSERT OR DELETE ON portfolio_entries
  FOR EACH ROW EXECUTE FUNCTION portfolio_follow_entries();
CREATE TRIGGER portfolio_follow_entries_unread AFTER UPDATE OF unread ON portfolio_entries
  FOR EACH ROW WHEN (OLD.unread IS DISTINCT FROM NEW.unread) EXECUTE FUNCTION portfolio_follow_entries();

-- Rebuilds one person's entry for one company from the rights, the adhesions and the company's activity.
CREATE FUNCTION portfolio_refresh(p_space uuid, p_siren char(9)) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  r record;
  pending integer;
  taxes text[];
  all_taxes boolean;
  has_messagerie boolean;
BEGIN
  SELECT array_agg(DISTINCT service ORDER BY service) AS services, array_agg(DISTINCT role ORDER BY role) AS roles,
         min(valid_from) AS rights_from,
         CASE WHEN bool_or(valid_until IS NULL) THEN NULL ELSE max(valid_until) END AS rights_until,
         bool_or(service = 'messagerie') AS has_messagerie,
         bool_or(service = 'messagerie' AND tax_scope IS NULL) AS all_taxes
    INTO r
    FROM rights WHERE space_id = p_space AND siren = p_siren AND state = 'active';
  SELECT count(*) INTO pending FROM adhesions
    WHERE space_id = p_space AND siren = p_siren AND status IN ('awaiting_company_email', 'letter_issued');
  IF r.services IS NULL AND pending = 0 THEN
    DELETE FROM portfolio_entries WHERE space_id = p_space AND siren = p_siren;
    RETURN;
  END IF;
  has_messagerie := coalesce(r.has_messagerie, false);
  all_taxes := coalesce(r.all_taxes, false);
  IF NOT has_messagerie THEN
    taxes := '{}';
  ELSIF all_taxes THEN
    taxes := NULL;
  ELSE
    SELECT coalesce(array_agg(DISTINCT t ORDER BY t), '{}') INTO taxes
      FROM rights, jsonb_array_elements_text(tax_scope) AS t
      WHERE space_id = p_space AND siren = p_siren AND state = 'active' AND service = 'messagerie';
  END IF;
  INSERT INTO portfolio_entries AS e (space_id, siren, name_key, services, roles, rights_from, rights_until, messagerie_taxes,
                                      pending_adhesions, unread, open_requests)
  SELECT p_space, p_siren, coalesce((SELECT portfolio_fold(name) FROM companies WHERE siren = p_siren), p_siren),
         coalesce(r.services, '{}'), coalesce(r.roles, '{}'), r.rights_from, r.rights_until, taxes, pending,
         coalesce(sum(a.unread) FILTER (WHERE has_messagerie), 0), coalesce(sum(a.open_requests) FILTER (WHERE has_messagerie), 0)
    FROM (SELECT 1) AS one
    LEFT JOIN company_activity a ON a.siren = p_siren AND (taxes IS NULL OR a.tax = ANY (taxes))
  ON CONFLICT (space_id, siren) DO UPDATE SET
    name_key = EXCLUDED.name_key, services = EXCLUDED.services, roles = EXCLUDED.roles, rights_from = EXCLUDED.rights_from,
    rights_until = EXCLUDED.rights_until, messagerie_taxes = EXCLUDED.messagerie_taxes, pending_adhesions = EXCLUDED.pending_adhesions,
    unread = EXCLUDED.unread, open_requests = EXCLUDED.open_requests;
END
$$;

CREATE FUNCTION portfolio_follow_rights() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN PERFORM portfolio_refresh(OLD.space_id, OLD.siren); END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') AND (TG_OP = 'INSERT' OR NEW.space_id <> OLD.space_id OR NEW.siren <> OLD.siren) THEN
    PERFORM portfolio_refresh(NEW.space_id, NEW.siren);
  END IF;
  RETURN NULL;
END
$$;
CREATE TRIGGER portfolio_follow_rights AFTER INSERT OR DELETE OR UPDATE OF state, service, role, tax_scope, valid_from, valid_until, space_id, siren
  ON rights FOR EACH ROW EXECUTE FUNCTION portfolio_follow_rights();

CREATE FUNCTION portfolio_follow_adhesions() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM portfolio_refresh(NEW.space_id, NEW.siren);
  RETURN NULL;
END
$$;
CREATE TRIGGER portfolio_follow_adhesions_insert AFTER INSERT ON adhesions FOR EACH ROW EXECUTE FUNCTION portfolio_follow_adhesions();
CREATE TRIGGER portfolio_follow_adhesions_update AFTER UPDATE OF status ON adhesions
  FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status) EXECUTE FUNCTION portfolio_follow_adhesions();

CREATE FUNCTION portfolio_follow_names() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE portfolio_entries SET name_key = portfolio_fold(NEW.name) WHERE siren = NEW.siren;
  RETURN NULL;
END
$$;
CREATE TRIGGER portfolio_follow_names AFTER UPDATE OF name ON companies
  FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name) EXECUTE FUNCTION portfolio_follow_names();

-- A change of a company's unread or open figures reaches the entries of the people who see that tax (a change of
-- its last activity alone reaches nobody: that is what a company reply does).
CREATE FUNCTION portfolio_follow_activity() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE portfolio_entries e SET
    unread = e.unread + NEW.unread - CASE WHEN TG_OP = 'UPDATE' THEN OLD.unread ELSE 0 END,
    open_requests = e.open_requests + NEW.open_requests - CASE WHEN TG_OP = 'UPDATE' THEN OLD.open_requests ELSE 0 END
  WHERE e.siren = NEW.siren AND 'messagerie' = ANY (e.services) AND (e.messagerie_taxes IS NULL OR NEW.tax = ANY (e.messagerie_taxes));
  RETURN NULL;
END
$$;
CREATE TRIGGER portfolio_follow_activity_insert AFTER INSERT ON company_activity
  FOR EACH ROW WHEN (NEW.unread <> 0 OR NEW.open_requests <> 0) EXECUTE FUNCTION portfolio_follow_activity();
CREATE TRIGGER portfolio_follow_activity_update AFTER UPDATE ON company_activity
  FOR EACH ROW WHEN (OLD.unread <> NEW.unread OR OLD.open_requests <> NEW.open_requests) EXECUTE FUNCTION portfolio_follow_activity();

-- Requests and messages move the company's activity.
CREATE FUNCTION company_activity_add(p_siren char(9), p_tax text, d_unread integer, d_open integer, p_at timestamptz) RETURNS void LANGUAGE sql AS $$
  INSERT INTO company_activity AS c (siren, tax, unread, open_requests, last_activity_at)
  VALUES (p_siren, p_tax, d_unread, d_open, coalesce(p_at, '-infinity'))
  ON CONFLICT (siren, tax) DO UPDATE SET unread = c.unread + d_unread, open_requests = c.open_requests + d_open,
    last_activity_at = greatest(c.last_activity_at, coalesce(p_at, '-infinity'))
  WHERE d_unread <> 0 OR d_open <> 0 OR coalesce(p_at, '-infinity') > c.last_activity_at
$$;

CREATE FUNCTION unread_of_request(p_request uuid) RETURNS integer LANGUAGE sql STABLE AS $$
  SELECT count(*)::integer FROM messages WHERE request_id = p_request AND author_kind <> 'person' AND read_by_company_at IS NULL
$$;

CREATE FUNCTION company_activity_follow_requests() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  was_open integer := 0;
  is_open integer := 0;
  was_counted boolean := false;
  is_counted boolean := false;
BEGIN
  IF TG_OP <> 'INSERT' THEN
    was_counted := OLD.archived_at IS NULL;
    was_open := (was_counted AND OLD.status <> 'closed')::integer;
  END IF;
  IF TG_OP <> 'DELETE' THEN
    is_counted := NEW.archived_at IS NULL;
    is_open := (is_counted AND NEW.status <> 'closed')::integer;
  END IF;
  IF TG_OP = 'UPDATE' AND OLD.siren = NEW.siren AND OLD.tax = NEW.tax THEN
    PERFORM company_activity_add(NEW.siren, NEW.tax,
      CASE WHEN was_counted = is_counted THEN 0 WHEN is_counted THEN unread_of_request(NEW.id) ELSE -unread_of_request(NEW.id) END,
      is_open - was_open, CASE WHEN is_counted THEN NEW.last_activity_at END);
  ELSE
    IF TG_OP <> 'INSERT' THEN
      PERFORM company_activity_add(OLD.siren, OLD.tax, CASE WHEN was_counted THEN -unread_of_request(OLD.id) ELSE 0 END, -was_open, NULL);
    END IF;
    IF TG_OP <> 'DELETE' THEN
      PERFORM company_activity_add(NEW.siren, NEW.tax, CASE WHEN is_counted THEN unread_of_request(NEW.id) ELSE 0 END, is_open,
        CASE WHEN is_counted THEN NEW.last_activity_at END);
    END IF;
  END IF;
  -- Fired before a delete, the row must be returned for the delete to happen.
  IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
  RETURN NULL;
END
$$;
CREATE TRIGGER company_activity_follow_requests AFTER INSERT OR UPDATE OF status, last_activity_at, archived_at, siren, tax
  ON requests FOR EACH ROW EXECUTE FUNCTION company_activity_follow_requests();
-- Before the delete: the messages go with the request (cascade), their unread marks with it.
CREATE TRIGGER company_activity_follow_requests_delete BEFORE DELETE ON requests FOR EACH ROW EXECUTE FUNCTION company_activity_follow_requests();

CREATE FUNCTION company_activity_follow_messages() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  d integer;
BEGIN
  IF TG_OP = 'INSERT' THEN
    d := (NEW.author_kind <> 'person' AND NEW.read_by_company_at IS NULL)::integer;
  ELSE
    d := (NEW.author_kind <> 'person' AND NEW.read_by_company_at IS NULL)::integer - (OLD.author_kind <> 'person' AND OLD.read_by_company_at IS NULL)::integer;
  END IF;
  IF d <> 0 THEN
    PERFORM company_activity_add(r.siren, r.tax, d, 0, NULL) FROM requests r WHERE r.id = NEW.request_id AND r.archived_at IS NULL;
  END IF;
  RETURN NULL;
END
$$;
CREATE TRIGGER company_activity_follow_messages_insert AFTER INSERT ON messages
  FOR EACH ROW WHEN (NEW.author_kind <> 'person' AND NEW.read_by_company_at IS NULL) EXECUTE FUNCTION company_activity_follow_messages();
CREATE TRIGGER company_activity_follow_messages_read AFTER UPDATE OF read_by_company_at ON messages
  FOR EACH ROW WHEN (OLD.read_by_company_at IS DISTINCT FROM NEW.read_by_company_at) EXECUTE FUNCTION company_activity_follow_messages();

-- Rebuilds the activity of every company and every entry from the requests, the rights and the adhesions, in a
-- few set-based statements: the backfill below, and bulk loads that write with the triggers off (COPY).
CREATE FUNCTION portfolio_rebuild() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  ALTER TABLE company_activity DISABLE TRIGGER portfolio_follow_activity_insert;
  DELETE FROM company_activity;
  INSERT INTO company_activity (siren, tax, unread, open_requests, last_activity_at)
  SELECT r.siren, r.tax, coalesce(sum(u.n), 0), count(*) FILTER (WHERE r.status <> 'closed'), max(r.last_activity_at)
    FROM requests r
    LEFT JOIN (SELECT request_id, count(*) AS n FROM messages WHERE author_kind <> 'person' AND read_by_company_at IS NULL GROUP BY request_id) u
      ON u.request_id = r.id
   WHERE r.archived_at IS NULL
   GROUP BY r.siren, r.tax;
  ALTER TABLE company_activity ENABLE TRIGGER portfolio_follow_activity_insert;
  DELETE FROM portfolio_entries;
  PERFORM portfolio_refresh(p.space_id, p.siren)
    FROM (SELECT space_id, siren FROM rights WHERE state = 'active'
          UNION SELECT space_id, siren FROM adhesions WHERE status IN ('awaiting_company_email', 'letter_issued')) p;
END
$$;
SELECT portfolio_rebuild();

-- Bulk adhesions (product §14): one batch per submission, one line per SIREN with its own result.
CREATE TABLE adhesion_batches (
  id              uuid PRIMARY KEY,
  space_id        uuid NOT NULL REFERENCES spaces (id) ON DELETE CASCADE,
  idempotency_key text,
  quality         text NOT NULL,
  services        jsonb NOT NULL,
  status          text NOT NULL CHECK (status IN ('running', 'done')),
  total           integer NOT NULL,
  created_at      timestamptz NOT NULL,
  finished_at     timestamptz
);
CREATE UNIQUE INDEX adhesion_batches_key ON adhesion_batches (space_id, idempotency_key) WHERE idempotency_key IS NOT NULL;
CREATE TABLE adhesion_batch_items (
  batch_id      uuid NOT NULL REFERENCES adhesion_batches (id) ON DELETE CASCADE,
  line          integer NOT NULL,
  siren         text NOT NULL,
  company_email text,
  status        text NOT NULL CHECK (status IN ('pending', 'created', 'refused')),
  adhesion_id   uuid,
  error_code    text,
  error_message text,
  PRIMARY KEY (batch_id, line)
);
CREATE INDEX adhesion_batch_items_pending ON adhesion_batch_items (batch_id, line) WHERE status = 'pending';

-- The bulk right (200 adhesions outside the portfolio per 24 h) is suspended when oppositions pile up.
CREATE TABLE bulk_suspensions (
  space_id   uuid PRIMARY KEY REFERENCES spaces (id) ON DELETE CASCADE,
  since      timestamptz NOT NULL,
  reason     text NOT NULL
);
CREATE INDEX oppositions_requester ON oppositions (requester_space_id, created_at);

-- Exports (product §14): a background job writes the signed ZIP, kept 7 days.
CREATE TABLE exports (
  id           uuid PRIMARY KEY,
  space_id     uuid NOT NULL REFERENCES spaces (id) ON DELETE CASCADE,
  scope        jsonb NOT NULL,
  status       text NOT NULL CHECK (status IN ('running', 'ready', 'failed')),
  requests     integer NOT NULL DEFAULT 0,
  done         integer NOT NULL DEFAULT 0,
  size         bigint,
  file_path    text,
  sha256       text,
  error        text,
  created_at   timestamptz NOT NULL,
  finished_at  timestamptz,
  expires_at   timestamptz
);
CREATE INDEX exports_space ON exports (space_id, created_at DESC);
CREATE INDEX exports_expiry ON exports (expires_at) WHERE status = 'ready';
