-- Word search in « mes entreprises » (product §14) at the cost of its matches, not of the portfolio.
--
-- The trigram index (person, ' ' || name_key) was never chosen: a trigram's posting list holds every person's
-- entries, so a search read as much as a scan of the person's own entries, which grows with the portfolio. Here
-- each word of a folded name is indexed as one lexeme prefixed by the person (`<space id> <word>`): a word prefix
-- of the search is a prefix of lexemes of that person alone, and the words of a search are intersected inside
-- the index. No extension is needed (tsvector and GIN are in the core, PGlite included).
CREATE FUNCTION portfolio_words(p_space uuid, p_name_key text) RETURNS tsvector LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT array_to_tsvector(ARRAY(
    SELECT p_space::text || ' ' || w FROM unnest(string_to_array(p_name_key, ' ')) AS w WHERE w <> ''))
$$;

-- The search's side: each word a prefix of one of the person's lexemes, all words required. The words are folded
-- (letters and digits only); quotes and backslashes are escaped all the same.
CREATE FUNCTION portfolio_words_query(p_space uuid, p_words text[]) RETURNS tsquery LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT string_agg('''' || replace(replace(p_space::text || ' ' || w, '\', '\\'), '''', '''''') || ''':*', ' & ')::tsquery
    FROM unnest(p_words) AS w WHERE w <> ''
$$;

-- Without the pending list: a search reads only the index's tree (the embedded database has no autovacuum to
-- empty a pending list, and a search would read all of it).
CREATE INDEX portfolio_words ON portfolio_entries USING gin (portfolio_words(space_id, name_key)) WITH (fastupdate = off);

DROP INDEX IF EXISTS portfolio_name_words;
