-- When a producer answered a match notification with a quote: the record of
-- responsiveness that ranking counts, and the notifications counted when
-- near-equal producers take turns.
ALTER TABLE notifications ADD COLUMN answered_at timestamptz;
CREATE INDEX notifications_matches_by_producer ON notifications (recipient_id, created_at) WHERE kind = 'match';

-- The combined supply proposed for a demand when no single producer makes
-- the quantity, shown to the buyer apart from the ranked list.
CREATE TABLE supply_groups (
    demand_id      text             PRIMARY KEY REFERENCES demands (id),
    demand_version bigint           NOT NULL,
    capacity       double precision NOT NULL,
    members        jsonb            NOT NULL
);
