-- A company's last activity is read from its requests (the requests_inbox index, one probe per tax), no longer kept
-- in company_activity. Every reply moved its request's last activity, so every reply rewrote the company's
-- activity row while its counters stayed as they were; that row stayed locked until the reply's commit, and the
-- replies of one company waited for each other there. Company_activity keeps counters only: it is written when an
-- unread mark or an open request is added or removed, and holds a row for each tax in which the company has a live
-- request (the taxes its last activity is read in).
DROP TRIGGER company_activity_follow_requests ON requests;
DROP TRIGGER company_activity_follow_requests_delete ON requests;
DROP TRIGGER company_activity_follow_messages_read ON messages;
DROP FUNCTION company_activity_follow_requests();
DROP FUNCTION company_activity_follow_messages();
DROP FUNCTION company_activity_add(char(9), text, integer, integer, timestamptz);
ALTER TABLE company_activity DROP COLUMN last_activity_at;

CREATE FUNCTION company_activity_add(p_siren char(9), p_tax text, d_unread integer, d_open integer) RETURNS void LANGUAGE sql AS $$
  INSERT INTO company_activity AS c (siren, tax, unread, open_requests)
  VALUES (p_siren, p_tax, d_unread, d_open)
  ON CONFLICT (siren, tax) DO UPDATE SET unread = c.unread + d_unread, open_requests = c.open_requests + d_open
  WHERE d_unread <> 0 OR d_open <> 0
$$;

CREATE FUNCTION company_activity_follow_requests() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  was_open integer := 0;
  is_open integer := 0;
  was_counted boolean := false;
  is_counted boolean := false;
  d_unread integer;
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
    d_unread := CASE WHEN was_counted = is_counted THEN 0 WHEN is_counted THEN unread_of_request(NEW.id) ELSE -unread_of_request(NEW.id) END;
    -- Nothing to count (a reply that keeps the request open): the row is not touched, so not locked either. A
    -- request counted again (no longer archived) makes sure its tax has a row.
    IF d_unread <> 0 OR is_open <> was_open OR (is_counted AND NOT was_counted) THEN
      PERFORM company_activity_add(NEW.siren, NEW.tax, d_unread, is_open - was_open);
    END IF;
  ELSE
    IF TG_OP <> 'INSERT' THEN
      PERFORM company_activity_add(OLD.siren, OLD.tax, CASE WHEN was_counted THEN -unread_of_request(OLD.id) ELSE 0 END, -was_open);
    END IF;
    IF TG_OP <> 'DELETE' AND is_counted THEN
      PERFORM company_activity_add(NEW.siren, NEW.tax, unread_of_request(NEW.id), is_open);
    END IF;
  END IF;
  -- Fired before a delete, the row must be returned for the delete to happen.
  IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
  RETURN NULL;
END
$$;
-- Only a change that can move a counter or the company fires it (a reply sets the status it may keep).
CREATE TRIGGER company_activity_follow_requests AFTER UPDATE OF status, archived_at, siren, tax ON requests FOR EACH ROW
  WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.archived_at IS DISTINCT FROM NEW.archived_at OR OLD.siren IS DISTINCT FROM NEW.siren
        OR OLD.tax IS DISTINCT FROM NEW.tax)
  EXECUTE FUNCTION company_activity_follow_requests();
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
    PERFORM company_activity_add(r.siren, r.tax, d, 0) FROM requests r WHERE r.id = NEW.request_id AND r.archived_at IS NULL;
  END IF;
  RETURN NULL;
END
$$;
CREATE TRIGGER company_activity_follow_messages_read AFTER UPDATE OF read_by_company_at ON messages
  FOR EACH ROW WHEN (OLD.read_by_company_at IS DISTINCT FROM NEW.read_by_company_at) EXECUTE FUNCTION company_activity_follow_messages();

CREATE OR REPLACE FUNCTION company_activity_follow_inserted_requests() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- A new request has no message yet: it adds to the open requests, and gives its tax a row.
  INSERT INTO company_activity AS c (siren, tax, unread, open_requests)
  SELECT n.siren, n.tax, 0, count(*) FILTER (WHERE n.status <> 'closed')
  FROM new_requests n WHERE n.archived_at IS NULL GROUP BY n.siren, n.tax
  ON CONFLICT (siren, tax) DO UPDATE SET open_requests = c.open_requests + excluded.open_requests
  WHERE excluded.open_requests <> 0;
  RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION company_activity_follow_inserted_messages() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO company_activity AS c (siren, tax, unread, open_requests)
  SELECT r.siren, r.tax, count(*), 0
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

CREATE OR REPLACE FUNCTION portfolio_rebuild() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  ALTER TABLE company_activity DISABLE TRIGGER portfolio_follow_activity_insert;
  DELETE FROM company_activity;
  INSERT INTO company_activity (siren, tax, unread, open_requests)
  SELECT r.siren, r.tax, coalesce(sum(u.n), 0), count(*) FILTER (WHERE r.status <> 'closed')
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
