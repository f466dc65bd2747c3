-- Producers: OCOP subjects, placed on the 34-province map with the pre-2025 names kept.
CREATE TABLE producers (
    id              text PRIMARY KEY,
    name            text             NOT NULL,
    kind            text             NOT NULL,
    province        text             NOT NULL,
    legacy_province text             NOT NULL DEFAULT '',
    legacy_district text             NOT NULL DEFAULT '',
    commune         text             NOT NULL DEFAULT '',
    lat             double precision NOT NULL,
    lon             double precision NOT NULL,
    email           text             NOT NULL DEFAULT '',
    version         bigint           NOT NULL,
    created_at      timestamptz      NOT NULL,
    updated_at      timestamptz      NOT NULL
);

-- Products with their OCOP rating and supply terms. A withdrawn product keeps
-- its row (and its page) but leaves matching.
CREATE TABLE products (
    id                text PRIMARY KEY,
    producer_id       text             NOT NULL REFERENCES producers (id),
    name              text             NOT NULL,
    description       text             NOT NULL DEFAULT '',
    "group"           text             NOT NULL,
    category          text             NOT NULL,
    ocop_stars        smallint         NOT NULL CHECK (ocop_stars BETWEEN 3 AND 5),
    ocop_year         smallint         NOT NULL,
    ocop_certified_on date             NOT NULL,
    ocop_expires_on   date             NOT NULL,
    certifications    text[]           NOT NULL DEFAULT '{}',
    unit              text             NOT NULL,
    price_vnd         bigint           NOT NULL CHECK (price_vnd > 0),
    monthly_capacity  double precision NOT NULL CHECK (monthly_capacity > 0),
    min_order         double precision NOT NULL CHECK (min_order > 0),
    seasonal_months   smallint[]       NOT NULL DEFAULT '{}',
    shelf_life_days   integer,
    tags              text[]           NOT NULL DEFAULT '{}',
    withdrawn_at      timestamptz,
    version           bigint           NOT NULL,
    created_at        timestamptz      NOT NULL,
    updated_at        timestamptz      NOT NULL
);
CREATE INDEX products_producer_id ON products (producer_id);
