-- Buyers' purchase demands.
CREATE TABLE demands (
    id                      text PRIMARY KEY,
    buyer_id                text             NOT NULL,
    buyer_kind              text             NOT NULL,
    title                   text             NOT NULL,
    text                    text             NOT NULL DEFAULT '',
    "group"                 text             NOT NULL DEFAULT '',
    quantity                double precision NOT NULL CHECK (quantity > 0),
    unit                    text             NOT NULL,
    max_price_vnd           bigint CHECK (max_price_vnd > 0),
    min_stars               smallint         NOT NULL DEFAULT 0,
    required_certifications text[]           NOT NULL DEFAULT '{}',
    delivery_province       text             NOT NULL,
    delivery_lat            double precision NOT NULL,
    delivery_lon            double precision NOT NULL,
    needed_by               date,
    status                  text             NOT NULL,
    version                 bigint           NOT NULL,
    posted_at               timestamptz      NOT NULL,
    updated_at              timestamptz      NOT NULL
);
CREATE INDEX demands_buyer_posted ON demands (buyer_id, posted_at DESC, id DESC);
CREATE INDEX demands_posted ON demands (posted_at DESC, id DESC);
