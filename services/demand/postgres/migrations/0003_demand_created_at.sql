-- When a demand was first written; posted_at cannot say, since a draft's
-- moves to the moment it is published. Demands already stored take their
-- posted_at: exact for those posted at once, the nearest date kept for
-- published drafts.
ALTER TABLE demands ADD COLUMN created_at timestamptz;
UPDATE demands SET created_at = posted_at;
ALTER TABLE demands ALTER COLUMN created_at SET NOT NULL;
