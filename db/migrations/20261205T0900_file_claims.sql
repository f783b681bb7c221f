-- A file about to be written to the store (product §8, docs/operations.md « Fichiers »): claimed under the file's
-- lock before its bytes leave for the store, so that the sweep of unreferenced files, which deletes under the same
-- lock, never deletes an object a write is putting back (an object store keeps the last request to arrive, and a
-- deletion sent after a write began may win over it). A claim counts as a reference for 6 hours (the longest an
-- upload may stream in), then housekeeping's sweep deletes it. It replaces the check that the object is there, made
-- after the write in the transaction of the row: one round trip to the database instead of one to the store.
CREATE TABLE file_claims (
  storage_key text PRIMARY KEY,
  claimed_at  timestamptz NOT NULL
);
