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
