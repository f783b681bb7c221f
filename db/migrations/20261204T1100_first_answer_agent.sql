-- Who wrote a request's first answer, kept on the request when it is written: the dashboard's figures per agent
-- (answered, median time to the first answer) read it from the first-answer index alone, as the service's figures
-- do, instead of looking up the first agent message of every request of the period.
ALTER TABLE requests ADD COLUMN first_answer_agent_id uuid;

UPDATE requests r
SET first_answer_agent_id = (
  SELECT m.author_agent_id FROM messages m
  WHERE m.request_id = r.id AND m.author_kind = 'agent'
  ORDER BY m.created_at, m.seq
  LIMIT 1)
WHERE r.first_answer_at IS NOT NULL AND r.origin = 'company';

DROP INDEX requests_service_first_answer;
CREATE INDEX requests_service_first_answer ON requests (service_code, first_answer_at) INCLUDE (received_at, first_answer_agent_id)
  WHERE first_answer_at IS NOT NULL AND origin = 'company';

-- The counters of the queue apply the queue's origin rule (the campaign threads the company has not answered are not
-- counted): the queue's index carries the two columns of that rule, so that the counts still read it alone.
DROP INDEX requests_queue;
CREATE INDEX requests_queue ON requests (service_code, due_at, id) INCLUDE (status, assignee_agent_id, campaign_id, company_replied_at)
  WHERE status <> 'closed' AND archived_at IS NULL;
