-- Trade fairs and exhibitions.
CREATE TABLE fairs (
    id           text PRIMARY KEY,
    organiser_id text             NOT NULL,
    name         text             NOT NULL,
    description  text             NOT NULL DEFAULT '',
    venue        text             NOT NULL,
    province     text             NOT NULL,
    lat          double precision NOT NULL,
    lon          double precision NOT NULL,
    starts_on    date             NOT NULL,
    ends_on      date             NOT NULL CHECK (ends_on >= starts_on),
    groups       text[]           NOT NULL DEFAULT '{}',
    status       text             NOT NULL,
    version      bigint           NOT NULL,
    created_at   timestamptz      NOT NULL,
    updated_at   timestamptz      NOT NULL
);
CREATE INDEX fairs_organiser ON fairs (organiser_id);

-- Booths laid out in a fair.
CREATE TABLE booths (
    id         text PRIMARY KEY,
    fair_id    text             NOT NULL REFERENCES fairs (id),
    code       text             NOT NULL,
    type       text             NOT NULL,
    price_vnd  bigint           NOT NULL CHECK (price_vnd > 0),
    width_m    double precision NOT NULL DEFAULT 0,
    depth_m    double precision NOT NULL DEFAULT 0,
    created_at timestamptz      NOT NULL,
    CONSTRAINT booths_code_unique UNIQUE (fair_id, code)
);

-- Bookings. The partial unique indexes are what keeps a booth from ever
-- being held twice, and a producer to one booth per fair, however many
-- requests race: the database refuses the second, not application code.
CREATE TABLE bookings (
    id           text PRIMARY KEY,
    fair_id      text        NOT NULL REFERENCES fairs (id),
    booth_id     text        NOT NULL REFERENCES booths (id),
    producer_id  text        NOT NULL,
    status       text        NOT NULL,
    booked_at    timestamptz NOT NULL,
    cancelled_at timestamptz
);
CREATE UNIQUE INDEX bookings_booth_once ON bookings (booth_id) WHERE status = 'confirmed';
CREATE UNIQUE INDEX bookings_producer_once ON bookings (fair_id, producer_id) WHERE status = 'confirmed';
