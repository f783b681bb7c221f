-- A request's timeline reads every journal entry about it: by subject, in order.
CREATE INDEX journal_subject ON journal (subject_id, at) WHERE subject_type = 'request';
