-- The dashboard over a year reads a service's twelve months of first-answer histograms: about 17,000 rows in the
-- national bench's largest service, written by upserts over the months and so spread over as many pages (7,000 of
-- them, 13 ms of its 22). The primary key now carries the count, so that the reading is the index's alone (its pages
-- are all-visible once vacuumed, and only the current month's change): 3 ms. Each first answer's upsert already
-- wrote the index entry of its new row version, unless PostgreSQL could keep it on the same page (HOT); now it
-- always does, one index entry per first answer.
ALTER TABLE service_first_answer_months DROP CONSTRAINT service_first_answer_months_pkey;
ALTER TABLE service_first_answer_months ADD PRIMARY KEY (service_code, month, agent_key, bucket) INCLUDE (answers);
