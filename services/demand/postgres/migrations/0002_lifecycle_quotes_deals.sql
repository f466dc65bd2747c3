-- Buyer organisations.
CREATE TABLE buyers (
    id         text PRIMARY KEY,
    name       text             NOT NULL,
    kind       text             NOT NULL,
    province   text             NOT NULL,
    lat        double precision NOT NULL,
    lon        double precision NOT NULL,
    address    text             NOT NULL DEFAULT '',
    email      text             NOT NULL DEFAULT '',
    created_at timestamptz      NOT NULL,
    updated_at timestamptz      NOT NULL
);

ALTER TABLE demands
    ADD COLUMN public        boolean NOT NULL DEFAULT false,
    ADD COLUMN closed_reason text    NOT NULL DEFAULT '',
    ADD COLUMN closed_at     timestamptz;
CREATE INDEX demands_open_needed_by ON demands (needed_by) WHERE status = 'open';

-- The products matching ranked for a demand (from its DemandMatched events):
-- their producers may quote.
CREATE TABLE matched_products (
    demand_id   text    NOT NULL REFERENCES demands (id),
    product_id  text    NOT NULL,
    producer_id text    NOT NULL,
    rank        integer NOT NULL,
    PRIMARY KEY (demand_id, product_id)
);
CREATE INDEX matched_products_producer ON matched_products (producer_id, demand_id);

CREATE TABLE quotes (
    id            text PRIMARY KEY,
    demand_id     text             NOT NULL REFERENCES demands (id),
    producer_id   text             NOT NULL,
    product_id    text             NOT NULL DEFAULT '',
    price_vnd     bigint           NOT NULL CHECK (price_vnd > 0),
    quantity      double precision NOT NULL CHECK (quantity > 0),
    unit          text             NOT NULL,
    delivery_date date,
    message       text             NOT NULL DEFAULT '',
    status        text             NOT NULL,
    submitted_at  timestamptz      NOT NULL,
    decided_at    timestamptz,
    -- One quote per producer per demand; a second is refused, not merged.
    CONSTRAINT quotes_once UNIQUE (demand_id, producer_id)
);
CREATE INDEX quotes_producer ON quotes (producer_id, submitted_at DESC);

-- A demand is awarded to one quote: the unique demand_id is what stops two
-- concurrent acceptances from both winning.
CREATE TABLE deals (
    id          text PRIMARY KEY,
    demand_id   text        NOT NULL UNIQUE REFERENCES demands (id),
    quote_id    text        NOT NULL REFERENCES quotes (id),
    buyer_id    text        NOT NULL,
    producer_id text        NOT NULL,
    value_vnd   bigint      NOT NULL,
    awarded_at  timestamptz NOT NULL,
    stage       text        NOT NULL,
    stage_at    timestamptz NOT NULL
);

CREATE TABLE deal_stages (
    deal_id     text        NOT NULL REFERENCES deals (id),
    stage       text        NOT NULL,
    recorded_by text        NOT NULL,
    note        text        NOT NULL DEFAULT '',
    recorded_at timestamptz NOT NULL,
    PRIMARY KEY (deal_id, stage)
);

-- Follow-up prompts sent, so each milestone prompts once.
CREATE TABLE deal_followups (
    deal_id text        NOT NULL REFERENCES deals (id),
    months  integer     NOT NULL,
    sent_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (deal_id, months)
);
