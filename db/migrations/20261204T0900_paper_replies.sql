-- Paper replies (issue 24, product §18): an answer the company sent by post, recorded by an agent on the thread as
-- the company's message. `channel` says how the message came (`online` through the messagerie, `post` by letter);
-- a message received by post carries the Paris day it arrived, and `author_agent_id` names the agent who recorded it.
ALTER TABLE messages ADD COLUMN channel text NOT NULL DEFAULT 'online' CHECK (channel IN ('online', 'post'));
ALTER TABLE messages ADD COLUMN received_on date;
ALTER TABLE messages ADD CONSTRAINT messages_post_received_on CHECK ((channel = 'post') = (received_on IS NOT NULL));
ALTER TABLE messages ADD CONSTRAINT messages_post_by_company CHECK (channel = 'online' OR (author_kind = 'person' AND author_agent_id IS NOT NULL));

-- Messages stay immutable, the new columns with them.
CREATE OR REPLACE FUNCTION messages_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.body IS DISTINCT FROM OLD.body OR NEW.body_sha256 IS DISTINCT FROM OLD.body_sha256
     OR NEW.request_id IS DISTINCT FROM OLD.request_id OR NEW.author_kind IS DISTINCT FROM OLD.author_kind
     OR NEW.author_space_id IS DISTINCT FROM OLD.author_space_id OR NEW.author_agent_id IS DISTINCT FROM OLD.author_agent_id
     OR NEW.created_at IS DISTINCT FROM OLD.created_at
     OR NEW.channel IS DISTINCT FROM OLD.channel OR NEW.received_on IS DISTINCT FROM OLD.received_on
     OR (OLD.read_by_company_at IS NOT NULL AND NEW.read_by_company_at IS DISTINCT FROM OLD.read_by_company_at)
     OR (OLD.read_by_administration_at IS NOT NULL AND NEW.read_by_administration_at IS DISTINCT FROM OLD.read_by_administration_at) THEN
    RAISE EXCEPTION 'messages are immutable' USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END;
$$;

-- A campaign's figures count the threads answered by post (few rows: a partial index).
CREATE INDEX messages_by_post ON messages (request_id) WHERE channel = 'post';
