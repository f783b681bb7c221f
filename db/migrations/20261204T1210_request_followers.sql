-- Inside a firm (product §19): a request is followed by a colleague (« suivie par »), and each person's first reading of
-- each message of the administration is kept, so that colleagues read « lu par Lila Rosemonde le … ».

-- The person who follows the request (company side; never shown to the back office). Setting it moves neither the
-- request's last activity nor its version: the inbox's order and the agents' optimistic locks stay as they were.
ALTER TABLE requests ADD COLUMN followed_by uuid REFERENCES spaces (id) ON DELETE SET NULL;
-- « Suivies par moi »: the follower's requests by last activity, the inbox's keyset order, read from this index alone
-- until the page's rows (the company and tax let the rights be probed without the table; archived ones filtered in it).
CREATE INDEX requests_followed ON requests (followed_by, last_activity_at DESC, id DESC) INCLUDE (siren, tax, archived_at)
  WHERE followed_by IS NOT NULL;

-- Who read which message, when first. The company-wide first read stays on the message (read_by_company_at): the
-- unread counters and their triggers read it, unchanged; this table adds one row per person.
CREATE TABLE message_reads (
  message_id uuid NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
  space_id   uuid NOT NULL REFERENCES spaces (id) ON DELETE CASCADE,
  read_at    timestamptz NOT NULL,
  PRIMARY KEY (message_id, space_id)
);

-- The first reads recorded so far name their reader: they become that person's marks.
INSERT INTO message_reads (message_id, space_id, read_at)
SELECT m.id, m.read_by_company_space, m.read_by_company_at
  FROM messages m
  JOIN spaces s ON s.id = m.read_by_company_space
 WHERE m.author_kind <> 'person' AND m.read_by_company_at IS NOT NULL
ON CONFLICT DO NOTHING;
