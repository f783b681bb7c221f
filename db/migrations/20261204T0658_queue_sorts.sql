-- The queue sorted by each of its columns (deadline, received, last activity, company), in both orders, and
-- searched by SIREN, by words of the company's name and by a partial reference (issue 24).

-- The company's name as the queue sorts and searches it (lower case), kept on the request so that a page sorted
-- by company reads one index of the service's open requests instead of joining and sorting them all. Filled when
-- a request is written, followed when the company is renamed (the SIRENE refresh).
ALTER TABLE requests ADD COLUMN company_sort text NOT NULL DEFAULT '';
UPDATE requests r SET company_sort = lower(c.name) FROM companies c WHERE c.siren = r.siren;

CREATE FUNCTION requests_company_sort() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.company_sort := COALESCE((SELECT lower(name) FROM companies WHERE siren = NEW.siren), NEW.siren);
  RETURN NEW;
END
$$;
CREATE TRIGGER requests_company_sort BEFORE INSERT OR UPDATE OF siren ON requests
  FOR EACH ROW EXECUTE FUNCTION requests_company_sort();

CREATE FUNCTION companies_name_follow() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE requests SET company_sort = lower(NEW.name) WHERE siren = NEW.siren AND company_sort IS DISTINCT FROM lower(NEW.name);
  RETURN NULL;
END
$$;
CREATE TRIGGER companies_name_follow AFTER UPDATE OF name ON companies
  FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name) EXECUTE FUNCTION companies_name_follow();

-- One index per sort of the open requests of a service (the deadline's is requests_queue); read backwards for
-- the descending order.
CREATE INDEX requests_queue_received ON requests (service_code, received_at, id) WHERE status <> 'closed' AND archived_at IS NULL;
CREATE INDEX requests_queue_activity ON requests (service_code, last_activity_at, id) WHERE status <> 'closed' AND archived_at IS NULL;
CREATE INDEX requests_queue_company ON requests (service_code, company_sort, id) WHERE status <> 'closed' AND archived_at IS NULL;

-- A partial reference (« 0000011 », « 75111-00 ») and words of the company's name, within a service: trigrams.
-- Without the extensions the search still works, by scanning the service's requests.
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') AND EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'btree_gin') THEN
    CREATE INDEX requests_service_reference_trgm ON requests USING gin (service_code, reference gin_trgm_ops);
    CREATE INDEX requests_service_company_trgm ON requests USING gin (service_code, company_sort gin_trgm_ops);
  ELSE
    RAISE NOTICE 'pg_trgm or btree_gin unavailable: partial references and company names are searched without an index';
  END IF;
END
$$;
