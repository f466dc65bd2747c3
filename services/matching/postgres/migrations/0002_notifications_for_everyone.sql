-- Notifications reach buyers as well as producers, and tell of quotes,
-- decisions, deal follow-ups and lapsing ratings besides matches. Each is
-- kept once per recipient and dedupe key, however often its event arrives.
ALTER TABLE notifications RENAME COLUMN producer_id TO recipient_id;
ALTER TABLE notifications
    ADD COLUMN recipient_role text  NOT NULL DEFAULT 'producer',
    ADD COLUMN kind           text  NOT NULL DEFAULT 'match',
    ADD COLUMN dedupe_key     text,
    ADD COLUMN title          text  NOT NULL DEFAULT '',
    ADD COLUMN body           text  NOT NULL DEFAULT '',
    ADD COLUMN data           jsonb NOT NULL DEFAULT '{}';
UPDATE notifications SET dedupe_key = 'match:' || demand_id || ':' || product_id;
ALTER TABLE notifications
    ALTER COLUMN dedupe_key SET NOT NULL,
    ALTER COLUMN demand_id DROP NOT NULL,
    ALTER COLUMN product_id DROP NOT NULL,
    ALTER COLUMN rank DROP NOT NULL,
    ALTER COLUMN score DROP NOT NULL,
    ALTER COLUMN reasons DROP NOT NULL,
    DROP CONSTRAINT notifications_once,
    ADD CONSTRAINT notifications_once UNIQUE (recipient_role, recipient_id, dedupe_key);
DROP INDEX notifications_producer_created;
CREATE INDEX notifications_recipient_created ON notifications (recipient_role, recipient_id, created_at DESC, id DESC);
