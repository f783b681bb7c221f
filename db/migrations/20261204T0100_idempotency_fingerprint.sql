-- An Idempotency-Key answers the first result only to the same request (IETF Idempotency-Key draft): each key
-- records the SHA-256 of its request's canonical body; the same key with another body is refused.
ALTER TABLE idempotency_keys ADD COLUMN fingerprint text;
ALTER TABLE adhesion_batches ADD COLUMN request_fingerprint text;
