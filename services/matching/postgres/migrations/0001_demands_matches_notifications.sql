-- Demands as matching last saw them (from the demand stream): what to rank
-- and who owns the answer.
CREATE TABLE demands (
    id         text PRIMARY KEY,
    buyer_id   text        NOT NULL,
    version    bigint      NOT NULL,
    status     text        NOT NULL,
    demand     jsonb       NOT NULL,
    posted_at  timestamptz NOT NULL,
    matched_at timestamptz
);
CREATE INDEX demands_buyer_id ON demands (buyer_id);

-- The ranked list of the latest matching of each demand.
CREATE TABLE matches (
    demand_id      text             NOT NULL REFERENCES demands (id),
    rank           integer          NOT NULL,
    product_id     text             NOT NULL,
    producer_id    text             NOT NULL,
    score          double precision NOT NULL,
    reasons        text[]           NOT NULL,
    demand_version bigint           NOT NULL,
    PRIMARY KEY (demand_id, rank)
);

-- What producers were told. One row per (producer, demand, product) however
-- often the demand is redelivered or re-matched.
CREATE TABLE notifications (
    id           uuid PRIMARY KEY,
    producer_id  text             NOT NULL,
    demand_id    text             NOT NULL REFERENCES demands (id),
    product_id   text             NOT NULL,
    rank         integer          NOT NULL,
    score        double precision NOT NULL,
    reasons      text[]           NOT NULL,
    created_at   timestamptz      NOT NULL DEFAULT now(),
    read_at      timestamptz,
    CONSTRAINT notifications_once UNIQUE (producer_id, demand_id, product_id)
);
CREATE INDEX notifications_producer_created ON notifications (producer_id, created_at DESC, id DESC);
