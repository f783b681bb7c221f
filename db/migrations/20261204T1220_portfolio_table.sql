-- « Mes entreprises » as a sortable table (product §14, §19).

-- Sorted by open requests (most first), as by unread messages.
CREATE INDEX portfolio_by_open_requests ON portfolio_entries (space_id, open_requests DESC, siren DESC);

-- Pending activations, soonest expiry first: the person's adhesions waiting for their letter's code.
CREATE INDEX adhesions_awaiting_code ON adhesions (space_id, code_expires_at, id) WHERE status = 'letter_issued';
