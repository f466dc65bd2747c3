-- Delivery of notifications beyond the stored inbox.

-- seq orders a recipient's notifications for the live stream, which resumes
-- after the last seq a client saw (Last-Event-ID). A row is streamed only
-- once every transaction older than its own has ended (txid below the
-- snapshot's xmin), so a slow commit with a lower seq is never skipped.
ALTER TABLE notifications
    ADD COLUMN seq  bigserial,
    ADD COLUMN txid xid8 NOT NULL DEFAULT pg_current_xact_id();
CREATE UNIQUE INDEX notifications_recipient_seq ON notifications (recipient_role, recipient_id, seq);

-- What each recipient wants: channels, interests, quiet hours, digest.
CREATE TABLE notification_preferences (
    recipient_role text        NOT NULL,
    recipient_id   text        NOT NULL,
    preferences    jsonb       NOT NULL,
    updated_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (recipient_role, recipient_id)
);

-- Webhook endpoints, per organisation.
CREATE TABLE webhooks (
    id              text PRIMARY KEY,
    owner_role      text        NOT NULL,
    owner_id        text        NOT NULL,
    url             text        NOT NULL,
    events          text[]      NOT NULL,
    secret          text        NOT NULL,
    status          text        NOT NULL DEFAULT 'active', -- active | disabled
    disabled_reason text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    last_success_at timestamptz
);
CREATE INDEX webhooks_owner ON webhooks (owner_role, owner_id);

-- One message to one endpoint: its id is the webhook-id of every attempt.
CREATE TABLE webhook_deliveries (
    id              text PRIMARY KEY,
    webhook_id      text        NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    notification_id uuid        NOT NULL REFERENCES notifications (id),
    event_type      text        NOT NULL,
    payload         jsonb       NOT NULL,
    status          text        NOT NULL DEFAULT 'pending', -- pending | delivered | failed
    attempts        integer     NOT NULL DEFAULT 0,
    created_at      timestamptz NOT NULL DEFAULT now(),
    finished_at     timestamptz,
    UNIQUE (webhook_id, notification_id)
);
CREATE INDEX webhook_deliveries_webhook ON webhook_deliveries (webhook_id, created_at DESC);

CREATE TABLE webhook_attempts (
    delivery_id text        NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
    attempt     integer     NOT NULL,
    at          timestamptz NOT NULL DEFAULT now(),
    status_code integer,
    error       text,
    duration_ms integer     NOT NULL,
    PRIMARY KEY (delivery_id, attempt)
);

-- E-mails: one per notification sent alone, or a notification folded into
-- the recipient's next daily digest.
CREATE TABLE email_deliveries (
    notification_id uuid        PRIMARY KEY REFERENCES notifications (id),
    recipient_role  text        NOT NULL,
    recipient_id    text        NOT NULL,
    mode            text        NOT NULL, -- immediate | digest
    status          text        NOT NULL DEFAULT 'pending', -- pending | sent | failed
    created_at      timestamptz NOT NULL DEFAULT now(),
    sent_at         timestamptz
);
CREATE INDEX email_deliveries_digest ON email_deliveries (recipient_role, recipient_id) WHERE mode = 'digest' AND status = 'pending';
CREATE INDEX email_deliveries_sent ON email_deliveries (recipient_role, recipient_id, sent_at) WHERE mode = 'immediate';
