-- Export archives go through the file store (a local folder or an S3 bucket) like attachments: a row names its
-- archive by the store's key. `file_path` remains for the archives built before, served from their folder until
-- they expire (7 days).
ALTER TABLE exports ADD COLUMN storage_key text;
CREATE INDEX exports_storage_key ON exports (storage_key) WHERE storage_key IS NOT NULL;
