-- The producer's tax or business registration code is the key a provincial
-- OCOP office files producers under, and the key an import upserts by.
ALTER TABLE producers
    ADD COLUMN registration_code text NOT NULL DEFAULT '',
    ADD COLUMN address           text NOT NULL DEFAULT '';
CREATE UNIQUE INDEX producers_registration_code ON producers (registration_code) WHERE registration_code <> '';

-- The rating decision and the codes behind each certification.
ALTER TABLE products
    ADD COLUMN ocop_certificate_number text  NOT NULL DEFAULT '',
    ADD COLUMN ocop_issued_by          text  NOT NULL DEFAULT '',
    ADD COLUMN certification_codes     jsonb NOT NULL DEFAULT '{}';

-- An import upserts a product by its producer and name.
CREATE UNIQUE INDEX products_producer_name ON products (producer_id, lower(name));

-- Browsing filters and sorts.
CREATE INDEX products_group_category ON products ("group", category) WHERE withdrawn_at IS NULL;
CREATE INDEX products_expires ON products (ocop_expires_on) WHERE withdrawn_at IS NULL;

-- Warnings sent before a rating lapses, so each threshold warns once.
CREATE TABLE rating_reminders (
    product_id      text    NOT NULL REFERENCES products (id),
    ocop_expires_on date    NOT NULL,
    days_left       integer NOT NULL,
    sent_at         timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (product_id, ocop_expires_on, days_left)
);
