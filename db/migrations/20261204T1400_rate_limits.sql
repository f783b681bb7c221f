-- Limits shared by every process (product §17, docs/operations.md « Limits »): one counter per limited key (an
-- address, a software acting through a person, a route and an address), counted by one atomic upsert. The window
-- starts at the key's first hit and lasts the limit's window; a hit after its end starts a new one.
-- UNLOGGED: the counters are written on nearly every request, and a lost count is harmless — their writes wait
-- neither for the WAL flush nor for the synchronous standby. After a crash or a failover they start from zero.
-- Rows whose window is over are purged by housekeeping.
CREATE UNLOGGED TABLE rate_limit_counters (
  key            text PRIMARY KEY,
  hits           integer NOT NULL,
  window_ends_at timestamptz NOT NULL
) WITH (fillfactor = 70);

-- The event streams open (server-sent events), whichever process holds them: at most 5 per session. A process
-- refreshes `seen_at` of its streams every 30 s; a row not refreshed for 90 s (its process died) no longer counts and
-- is purged by housekeeping. Opening a stream beyond the cap marks the oldest ones `evicted`; their process closes
-- them (told by NOTIFY, or at its next refresh). `seq` orders the streams of a session by opening, across processes.
CREATE UNLOGGED TABLE event_streams (
  id          uuid PRIMARY KEY,
  seq         bigint GENERATED ALWAYS AS IDENTITY,
  session_key text NOT NULL,
  seen_at     timestamptz NOT NULL,
  evicted     boolean NOT NULL DEFAULT false
);
CREATE INDEX event_streams_by_session ON event_streams (session_key, seq);
CREATE INDEX event_streams_seen ON event_streams (seen_at);
