-- The dashboard's first-answer times are read agent by agent: the index is ordered by the agent who wrote the first
-- answer, then by its date. Each agent's figures over a period are one range of it (its median sorts only that
-- agent's answers), and the service's percentiles read the same ranges and that of the answers without an agent,
-- with no sort of the whole period by agent (which spilled to disk at a year of a large service). It replaces the
-- index by date, so that requests carry no more indexes than before.
DROP INDEX requests_service_first_answer;
CREATE INDEX requests_first_answer_by_agent ON requests (service_code, first_answer_agent_id, first_answer_at) INCLUDE (received_at)
  WHERE first_answer_at IS NOT NULL AND origin = 'company';
