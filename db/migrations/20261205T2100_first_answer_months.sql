-- The dashboard's first-answer times over a long period (product §9) come from a monthly histogram kept on write:
-- per service, Paris month of the first answer, agent who wrote it (the nil id when none is recorded) and bucket of
-- the time from receipt to that answer. A year of a large service reads a few thousand cells instead of its
-- hundred thousand first answers; the days of the period's first and last months that are not whole are read from
-- the requests themselves (ADR 0009).
CREATE TABLE service_first_answer_months (
  service_code text NOT NULL,
  month        date NOT NULL,
  agent_key    uuid NOT NULL,
  bucket       smallint NOT NULL,
  answers      integer NOT NULL,
  PRIMARY KEY (service_code, month, agent_key, bucket)
);

-- Bucket 0 holds the first minute; bucket b ≥ 1 the times in [60 × 1.05^(b-1), 60 × 1.05^b) seconds: each bucket is
-- 5 % wide, so a percentile placed inside its bucket is within 5 % of the exact one (src/modules/requests/
-- first-answer-histogram.ts holds the same bounds).
CREATE FUNCTION first_answer_bucket(seconds double precision) RETURNS smallint LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN seconds < 60 THEN 0 ELSE (1 + floor(ln(seconds / 60) / ln(1.05)))::smallint END
$$;

-- Adds (or, with a negative sign, removes) first answers, grouped: one upsert per cell touched.
CREATE FUNCTION first_answer_months_apply(p_service text[], p_agent uuid[], p_received timestamptz[], p_answered timestamptz[], p_sign integer)
RETURNS void LANGUAGE sql AS $$
  INSERT INTO service_first_answer_months AS m (service_code, month, agent_key, bucket, answers)
  SELECT t.service_code, date_trunc('month', t.answered_at AT TIME ZONE 'Europe/Paris')::date,
         coalesce(t.agent, '00000000-0000-0000-0000-000000000000'::uuid),
         first_answer_bucket(date_part('epoch', t.answered_at - t.received_at)), p_sign * count(*)::int
  FROM unnest(p_service, p_agent, p_received, p_answered) AS t (service_code, agent, received_at, answered_at)
  WHERE t.answered_at IS NOT NULL
  GROUP BY 1, 2, 3, 4
  ON CONFLICT (service_code, month, agent_key, bucket) DO UPDATE SET answers = m.answers + excluded.answers;
$$;

-- The triggers of the daily series keep the histogram too (no trigger more on requests).
CREATE OR REPLACE FUNCTION service_daily_follow_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM service_daily_apply(array_agg(service_code), array_agg(received_at), array_agg(first_answer_at), 1)
  FROM new_requests WHERE origin = 'company'
  HAVING count(*) > 0;
  PERFORM first_answer_months_apply(array_agg(service_code), array_agg(first_answer_agent_id), array_agg(received_at), array_agg(first_answer_at), 1)
  FROM new_requests WHERE origin = 'company' AND first_answer_at IS NOT NULL
  HAVING count(*) > 0;
  RETURN NULL;
END;
$$;

CREATE OR REPLACE FUNCTION service_daily_follow_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM service_daily_apply(array_agg(service_code), array_agg(received_at), array_agg(first_answer_at), -1)
  FROM old_requests WHERE origin = 'company'
  HAVING count(*) > 0;
  PERFORM first_answer_months_apply(array_agg(service_code), array_agg(first_answer_agent_id), array_agg(received_at), array_agg(first_answer_at), -1)
  FROM old_requests WHERE origin = 'company' AND first_answer_at IS NOT NULL
  HAVING count(*) > 0;
  RETURN NULL;
END;
$$;

CREATE OR REPLACE FUNCTION service_daily_follow_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.origin = 'company' THEN
    PERFORM service_daily_apply(ARRAY[OLD.service_code], ARRAY[OLD.received_at], ARRAY[OLD.first_answer_at], -1);
    PERFORM first_answer_months_apply(ARRAY[OLD.service_code], ARRAY[OLD.first_answer_agent_id], ARRAY[OLD.received_at], ARRAY[OLD.first_answer_at], -1);
  END IF;
  IF NEW.origin = 'company' THEN
    PERFORM service_daily_apply(ARRAY[NEW.service_code], ARRAY[NEW.received_at], ARRAY[NEW.first_answer_at], 1);
    PERFORM first_answer_months_apply(ARRAY[NEW.service_code], ARRAY[NEW.first_answer_agent_id], ARRAY[NEW.received_at], ARRAY[NEW.first_answer_at], 1);
  END IF;
  RETURN NULL;
END;
$$;

DROP TRIGGER service_daily_follow_updated ON requests;
CREATE TRIGGER service_daily_follow_updated AFTER UPDATE OF service_code, received_at, first_answer_at, first_answer_agent_id, origin ON requests
  FOR EACH ROW
  WHEN (OLD.service_code IS DISTINCT FROM NEW.service_code OR OLD.received_at IS DISTINCT FROM NEW.received_at
        OR OLD.first_answer_at IS DISTINCT FROM NEW.first_answer_at OR OLD.first_answer_agent_id IS DISTINCT FROM NEW.first_answer_agent_id
        OR OLD.origin IS DISTINCT FROM NEW.origin)
  EXECUTE FUNCTION service_daily_follow_updated();

INSERT INTO service_first_answer_months (service_code, month, agent_key, bucket, answers)
SELECT service_code, date_trunc('month', first_answer_at AT TIME ZONE 'Europe/Paris')::date,
       coalesce(first_answer_agent_id, '00000000-0000-0000-0000-000000000000'::uuid),
       first_answer_bucket(date_part('epoch', first_answer_at - received_at)), count(*)::int
FROM requests WHERE origin = 'company' AND first_answer_at IS NOT NULL
GROUP BY 1, 2, 3, 4;
