-- The inbox of a portfolio walks the requests by activity and keeps those of the person's companies (product §14).
-- The activity index now carries each request's company and tax: the walk tests the company inside the index
-- (an index-only scan) instead of visiting the table for every other company's request it passes.
DROP INDEX requests_activity;
CREATE INDEX requests_activity ON requests (last_activity_at DESC, id DESC) INCLUDE (siren, tax) WHERE archived_at IS NULL;
