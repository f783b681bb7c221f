-- An adhesion's letters (the adhesion views, the agents' desk, voiding on re-issue) are read by adhesion.
CREATE INDEX letters_adhesion ON letters (adhesion_id, number) WHERE adhesion_id IS NOT NULL;
