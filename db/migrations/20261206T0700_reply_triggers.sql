-- A company's reply inserts one message whose service the statement already gives and that its author has read:
-- neither trigger below has anything to do for it. The service is copied from the request only when the insert
-- leaves it empty (the condition is checked before the function is called), and the unread counters read the
-- inserted messages only when one of them is unread by the company (a transition table holding a person's
-- message is checked in one probe instead of running the upsert, its join and its grouping on no row).
DROP TRIGGER messages_service_code ON messages;
CREATE TRIGGER messages_service_code BEFORE INSERT ON messages
  FOR EACH ROW WHEN (NEW.service_code IS NULL) EXECUTE FUNCTION messages_service_code();

CREATE OR REPLACE FUNCTION company_activity_follow_inserted_messages() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM new_messages n WHERE n.author_kind <> 'person' AND n.read_by_company_at IS NULL) THEN
    RETURN NULL;
  END IF;
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
