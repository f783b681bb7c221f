-- The dashboard's backlog (product §9, §18): the open requests of a service per assignee, and the ones the queue
-- counts (threads of a campaign the company has not answered stay out) per state and per day of their deadline, kept
-- on write. Counted at each reading, they cost one pass over the service's open requests (100,000 in the largest,
-- 35 to 50 ms); kept, a few hundred rows.
--
-- No writer of requests updates a counter row: each change appends its rows (-1 where the request was counted, +1
-- where it is now), so two replies of one service never wait for each other on a counter's lock, and no statement
-- of two keys can deadlock another. The housekeeping folds a service's rows into one row per key
-- (service_open_counts_fold); a reading sums the service's rows, folded or not, in one statement.
CREATE TABLE service_open_counts (
  service_code      text NOT NULL,
  -- 'a': open requests per assignee (null: nobody); 's': counted by the queue, per state; 'd': counted by the
  -- queue, per UTC day of their deadline ('infinity' when none applies).
  kind              char(1) NOT NULL CHECK (kind IN ('a', 's', 'd')),
  assignee_agent_id uuid,
  status            text,
  due_day           date,
  n                 integer NOT NULL,
  folded            boolean NOT NULL DEFAULT false
);
CREATE INDEX service_open_counts_service ON service_open_counts (service_code, folded);

-- The rows one request counts in (none when it is closed or archived).
CREATE FUNCTION service_open_keys(p_status text, p_archived_at timestamptz, p_assignee uuid, p_campaign uuid,
                                  p_company_replied_at timestamptz, p_due_at timestamptz)
RETURNS TABLE (kind char(1), assignee_agent_id uuid, status text, due_day date) LANGUAGE sql STABLE AS $$
  SELECT k.kind, k.assignee_agent_id, k.status, k.due_day
  FROM (VALUES ('a'::char(1), p_assignee, NULL::text, NULL::date),
               ('s', NULL, p_status, NULL),
               ('d', NULL, NULL, (p_due_at AT TIME ZONE 'UTC')::date)) AS k (kind, assignee_agent_id, status, due_day)
  WHERE p_status <> 'closed' AND p_archived_at IS NULL
    AND (k.kind = 'a' OR p_campaign IS NULL OR p_company_replied_at IS NOT NULL)
    AND (k.kind <> 'd' OR p_due_at IS NOT NULL)
$$;

-- Appends the rows of requests given as arrays, each with its sign (+1 where it is counted now, -1 where it was),
-- one row per key they move: keys whose signs cancel out get none.
CREATE FUNCTION service_open_apply(p_service text[], p_status text[], p_archived_at timestamptz[], p_assignee uuid[], p_campaign uuid[],
                                   p_company_replied_at timestamptz[], p_due_at timestamptz[], p_sign integer[]) RETURNS void LANGUAGE sql AS $$
  INSERT INTO service_open_counts (service_code, kind, assignee_agent_id, status, due_day, n)
  SELECT t.service_code, k.kind, k.assignee_agent_id, k.status, k.due_day, sum(t.sign)::int
  FROM unnest(p_service, p_status, p_archived_at, p_assignee, p_campaign, p_company_replied_at, p_due_at, p_sign)
    AS t (service_code, status, archived_at, assignee, campaign, company_replied_at, due_at, sign)
  CROSS JOIN LATERAL service_open_keys(t.status, t.archived_at, t.assignee, t.campaign, t.company_replied_at, t.due_at) k
  GROUP BY 1, 2, 3, 4, 5
  HAVING sum(t.sign) <> 0
$$;

-- Inserts and deletes: one statement for all the rows of the statement (a campaign inserts its threads by hundreds).
-- Each transition table exists only for its own event.
CREATE FUNCTION service_open_follow_rows() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    PERFORM service_open_apply(array_agg(service_code), array_agg(status), array_agg(archived_at), array_agg(assignee_agent_id),
      array_agg(campaign_id), array_agg(company_replied_at), array_agg(due_at), array_agg(1)) FROM new_requests HAVING count(*) > 0;
  ELSE
    PERFORM service_open_apply(array_agg(service_code), array_agg(status), array_agg(archived_at), array_agg(assignee_agent_id),
      array_agg(campaign_id), array_agg(company_replied_at), array_agg(due_at), array_agg(-1)) FROM old_requests HAVING count(*) > 0;
  END IF;
  RETURN NULL;
END
$$;
CREATE TRIGGER service_open_follow_inserted AFTER INSERT ON requests
  REFERENCING NEW TABLE AS new_requests FOR EACH STATEMENT EXECUTE FUNCTION service_open_follow_rows();
CREATE TRIGGER service_open_follow_deleted AFTER DELETE ON requests
  REFERENCING OLD TABLE AS old_requests FOR EACH STATEMENT EXECUTE FUNCTION service_open_follow_rows();

-- A change of state, assignee, service, deadline or archive: the keys the request leaves get -1, the ones it enters
-- +1; a key it keeps gets nothing (a reply that moves the state only writes the two state rows).
CREATE FUNCTION service_open_follow_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM service_open_apply(ARRAY[OLD.service_code, NEW.service_code], ARRAY[OLD.status, NEW.status], ARRAY[OLD.archived_at, NEW.archived_at],
                             ARRAY[OLD.assignee_agent_id, NEW.assignee_agent_id], ARRAY[OLD.campaign_id, NEW.campaign_id],
                             ARRAY[OLD.company_replied_at, NEW.company_replied_at], ARRAY[OLD.due_at, NEW.due_at], ARRAY[-1, 1]);
  RETURN NULL;
END
$$;
-- due_at is generated: its inputs name the columns, the condition compares the result.
CREATE TRIGGER service_open_follow_updated AFTER UPDATE OF service_code, status, archived_at, assignee_agent_id, campaign_id,
  company_replied_at, first_answer_due_at, legal_due_at, first_answer_at ON requests
  FOR EACH ROW
  WHEN (OLD.service_code IS DISTINCT FROM NEW.service_code OR OLD.status IS DISTINCT FROM NEW.status
        OR OLD.archived_at IS DISTINCT FROM NEW.archived_at OR OLD.assignee_agent_id IS DISTINCT FROM NEW.assignee_agent_id
        OR OLD.campaign_id IS DISTINCT FROM NEW.campaign_id OR OLD.due_at IS DISTINCT FROM NEW.due_at
        -- A company's first reply counts only for a campaign's thread (any other request is counted by the queue already).
        OR ((OLD.company_replied_at IS NULL) <> (NEW.company_replied_at IS NULL) AND NEW.campaign_id IS NOT NULL))
  EXECUTE FUNCTION service_open_follow_updated();

-- A TRUNCATE empties the requests without row events: the counts go with them.
CREATE FUNCTION service_open_follow_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM service_open_counts;
  RETURN NULL;
END
$$;
CREATE TRIGGER service_open_follow_truncated AFTER TRUNCATE ON requests FOR EACH STATEMENT EXECUTE FUNCTION service_open_follow_truncated();

-- Folds a service's rows into one per key, in one statement: the rows it reads are deleted and their sums written
-- back. Rows appended meanwhile by other transactions are not in its snapshot and stay as they are; a second fold
-- at once skips the rows the first deleted. Answers the number of rows read.
CREATE FUNCTION service_open_counts_fold(p_service text) RETURNS integer LANGUAGE sql AS $$
  WITH gone AS (
    DELETE FROM service_open_counts WHERE service_code = p_service
    RETURNING kind, assignee_agent_id, status, due_day, n),
  kept AS (
    INSERT INTO service_open_counts (service_code, kind, assignee_agent_id, status, due_day, n, folded)
    SELECT p_service, kind, assignee_agent_id, status, due_day, sum(n)::int, true
    FROM gone GROUP BY kind, assignee_agent_id, status, due_day HAVING sum(n) <> 0
    RETURNING 1)
  SELECT count(*)::int FROM gone
$$;

INSERT INTO service_open_counts (service_code, kind, assignee_agent_id, status, due_day, n, folded)
SELECT r.service_code, k.kind, k.assignee_agent_id, k.status, k.due_day, count(*)::int, true
FROM requests r
CROSS JOIN LATERAL service_open_keys(r.status, r.archived_at, r.assignee_agent_id, r.campaign_id, r.company_replied_at, r.due_at) k
WHERE r.status <> 'closed' AND r.archived_at IS NULL
GROUP BY 1, 2, 3, 4, 5;
