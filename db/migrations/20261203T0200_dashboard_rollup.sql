-- The dashboard's daily series (product §9): requests received and first-answered per service and Paris day, kept
-- on write, so that a year of a large service reads 365 rows instead of walking its 100,000 requests. Only requests
-- the companies filed count (threads the administration opened are neither received nor answered).
CREATE TABLE service_daily_stats (
  service_code text NOT NULL,
  day          date NOT NULL,
  received     integer NOT NULL DEFAULT 0,
  answered     integer NOT NULL DEFAULT 0,
  PRIMARY KEY (service_code, day)
);

-- Adds (or, with negative counts, removes) rows' contributions, grouped: one upsert per (service, day) touched.
CREATE FUNCTION service_daily_apply(p_service text[], p_received timestamptz[], p_answered timestamptz[], p_sign integer) RETURNS void LANGUAGE sql AS $$
  INSERT INTO service_daily_stats AS s (service_code, day, received, answered)
  SELECT service_code, day, p_sign * sum(rec)::int, p_sign * sum(ans)::int
  FROM (
    SELECT t.service_code, (t.received_at AT TIME ZONE 'Europe/Paris')::date AS day, 1 AS rec, 0 AS ans
    FROM unnest(p_service, p_received, p_answered) AS t (service_code, received_at, answered_at)
    UNION ALL
    SELECT t.service_code, (t.answered_at AT TIME ZONE 'Europe/Paris')::date, 0, 1
    FROM unnest(p_service, p_received, p_answered) AS t (service_code, received_at, answered_at)
    WHERE t.answered_at IS NOT NULL
  ) x
  GROUP BY service_code, day
  ON CONFLICT (service_code, day) DO UPDATE SET received = s.received + excluded.received, answered = s.answered + excluded.answered;
$$;

CREATE FUNCTION service_daily_follow_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM service_daily_apply(array_agg(service_code), array_agg(received_at), array_agg(first_answer_at), 1)
  FROM new_requests WHERE origin = 'company'
  HAVING count(*) > 0;
  RETURN NULL;
END;
$$;
CREATE TRIGGER service_daily_follow_inserted AFTER INSERT ON requests
  REFERENCING NEW TABLE AS new_requests FOR EACH STATEMENT EXECUTE FUNCTION service_daily_follow_inserted();

CREATE FUNCTION service_daily_follow_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM service_daily_apply(array_agg(service_code), array_agg(received_at), array_agg(first_answer_at), -1)
  FROM old_requests WHERE origin = 'company'
  HAVING count(*) > 0;
  RETURN NULL;
END;
$$;
CREATE TRIGGER service_daily_follow_deleted AFTER DELETE ON requests
  REFERENCING OLD TABLE AS old_requests FOR EACH STATEMENT EXECUTE FUNCTION service_daily_follow_deleted();

-- A first answer, a transfer to another service: the request's old contribution leaves, its new one comes.
CREATE FUNCTION service_daily_follow_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.origin = 'company' THEN
    PERFORM service_daily_apply(ARRAY[OLD.service_code], ARRAY[OLD.received_at], ARRAY[OLD.first_answer_at], -1);
  END IF;
  IF NEW.origin = 'company' THEN
    PERFORM service_daily_apply(ARRAY[NEW.service_code], ARRAY[NEW.received_at], ARRAY[NEW.first_answer_at], 1);
  END IF;
  RETURN NULL;
END;
$$;
CREATE TRIGGER service_daily_follow_updated AFTER UPDATE OF service_code, received_at, first_answer_at, origin ON requests
  FOR EACH ROW
  WHEN (OLD.service_code IS DISTINCT FROM NEW.service_code OR OLD.received_at IS DISTINCT FROM NEW.received_at
        OR OLD.first_answer_at IS DISTINCT FROM NEW.first_answer_at OR OLD.origin IS DISTINCT FROM NEW.origin)
  EXECUTE FUNCTION service_daily_follow_updated();

INSERT INTO service_daily_stats (service_code, day, received, answered)
SELECT service_code, day, sum(rec)::int, sum(ans)::int
FROM (
  SELECT service_code, (received_at AT TIME ZONE 'Europe/Paris')::date AS day, 1 AS rec, 0 AS ans FROM requests WHERE origin = 'company'
  UNION ALL
  SELECT service_code, (first_answer_at AT TIME ZONE 'Europe/Paris')::date, 0, 1 FROM requests WHERE origin = 'company' AND first_answer_at IS NOT NULL
) x
GROUP BY service_code, day;

-- The first-answer percentiles read the requests themselves (exact), from an index that holds every column they
-- need: an index-only scan, never a visit of the table for the origin.
DROP INDEX requests_service_first_answer;
CREATE INDEX requests_service_first_answer ON requests (service_code, first_answer_at) INCLUDE (received_at)
  WHERE first_answer_at IS NOT NULL AND origin = 'company';
