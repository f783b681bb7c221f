-- The words of a name for the person's word index, as one expression instead of a query over the words: the same
-- lexemes, but the function is inlined where it is called, so that writing an entry (a team adding 500 companies
-- writes 5,000) no longer runs a query per row. Folded names hold letters, digits and single spaces only: `|` never
-- occurs in them. An empty name gives no lexeme, as before.
CREATE OR REPLACE FUNCTION portfolio_words(p_space uuid, p_name_key text) RETURNS tsvector LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT array_to_tsvector(array_remove(
    string_to_array(p_space::text || ' ' || replace(p_name_key, ' ', '|' || p_space::text || ' '), '|'), p_space::text || ' '))
$$;
