-- The inbox of a portfolio hashes the person's live messagerie rights once per statement, in two sets: her companies
-- whose right covers every tax, and her (company, tax) pairs of tax-scoped rights (messagerieCovers). Both were read
-- through rights_gate, which holds every service of hers, then from the table: 5,000 companies meant 5,000 rows
-- fetched for the first set and the same 5,000 read again to find no tax-scoped one. Each set now has an index of
-- its own, holding what the set reads: an index-only scan of her rows only (a right's validity is in it too).
CREATE INDEX rights_messagerie_whole ON rights (space_id, siren) INCLUDE (valid_from, valid_until)
  WHERE service = 'messagerie' AND state = 'active' AND tax_scope IS NULL;
CREATE INDEX rights_messagerie_scoped ON rights (space_id, siren) INCLUDE (tax_scope, valid_from, valid_until)
  WHERE service = 'messagerie' AND state = 'active' AND tax_scope IS NOT NULL;
