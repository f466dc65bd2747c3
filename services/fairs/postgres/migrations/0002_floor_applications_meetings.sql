-- A fair is written as a draft and published; applications open on a
-- window; B2B meetings follow a plan of slots and tables.
ALTER TABLE fairs
    ADD COLUMN categories            text[]  NOT NULL DEFAULT '{}',
    ADD COLUMN applications_open_on  date,
    ADD COLUMN applications_close_on date,
    ADD COLUMN meeting_slot_minutes  integer NOT NULL DEFAULT 30,
    ADD COLUMN meeting_day_start     integer NOT NULL DEFAULT 510,
    ADD COLUMN meeting_day_end       integer NOT NULL DEFAULT 1020,
    ADD COLUMN meeting_tables        integer NOT NULL DEFAULT 10;
UPDATE fairs SET applications_open_on = created_at::date, applications_close_on = starts_on - 1;
ALTER TABLE fairs
    ALTER COLUMN applications_open_on SET NOT NULL,
    ALTER COLUMN applications_close_on SET NOT NULL;

CREATE TABLE halls (
    id      text PRIMARY KEY,
    fair_id text    NOT NULL REFERENCES fairs (id),
    name    text    NOT NULL,
    width   integer NOT NULL CHECK (width > 0),
    height  integer NOT NULL CHECK (height > 0),
    CONSTRAINT halls_name_unique UNIQUE (fair_id, name)
);

-- A fair's price and rules per kind of booth.
CREATE TABLE booth_types (
    fair_id   text     NOT NULL REFERENCES fairs (id),
    type      text     NOT NULL,
    price_vnd bigint   NOT NULL CHECK (price_vnd > 0),
    min_stars smallint NOT NULL DEFAULT 0,
    groups    text[]   NOT NULL DEFAULT '{}',
    PRIMARY KEY (fair_id, type)
);

ALTER TABLE booths
    ADD COLUMN hall_id text REFERENCES halls (id),
    ADD COLUMN x integer NOT NULL DEFAULT 0,
    ADD COLUMN y integer NOT NULL DEFAULT 0,
    ADD COLUMN w integer NOT NULL DEFAULT 0,
    ADD COLUMN h integer NOT NULL DEFAULT 0;

-- The catalogue's products as the fairs service needs them, kept from the
-- catalogue stream: to check booth rules and list exhibitors' products.
CREATE TABLE products (
    id            text PRIMARY KEY,
    producer_id   text     NOT NULL,
    producer_name text     NOT NULL,
    name          text     NOT NULL,
    "group"       text     NOT NULL,
    category      text     NOT NULL,
    stars         smallint NOT NULL,
    expires_on    date     NOT NULL,
    withdrawn     boolean  NOT NULL,
    version       bigint   NOT NULL
);
CREATE INDEX products_producer ON products (producer_id);

CREATE TABLE applications (
    id           text PRIMARY KEY,
    fair_id      text        NOT NULL REFERENCES fairs (id),
    producer_id  text        NOT NULL,
    product_ids  text[]      NOT NULL,
    booth_type   text        NOT NULL DEFAULT '',
    message      text        NOT NULL DEFAULT '',
    status       text        NOT NULL,
    submitted_at timestamptz NOT NULL,
    decided_at   timestamptz
);
-- One live application per producer per fair.
CREATE UNIQUE INDEX applications_live_once ON applications (fair_id, producer_id)
    WHERE status IN ('submitted', 'approved', 'waitlisted');
CREATE INDEX applications_waitlist ON applications (fair_id, submitted_at) WHERE status = 'waitlisted';

ALTER TABLE bookings ADD COLUMN application_id text REFERENCES applications (id);

-- Buyers attending a fair.
CREATE TABLE participants (
    fair_id       text        NOT NULL REFERENCES fairs (id),
    buyer_id      text        NOT NULL,
    registered_at timestamptz NOT NULL,
    PRIMARY KEY (fair_id, buyer_id)
);

CREATE TABLE checkins (
    fair_id       text        NOT NULL REFERENCES fairs (id),
    role          text        NOT NULL,
    org_id        text        NOT NULL,
    checked_in_at timestamptz NOT NULL,
    PRIMARY KEY (fair_id, role, org_id)
);

CREATE TABLE meetings (
    id           text PRIMARY KEY,
    fair_id      text        NOT NULL REFERENCES fairs (id),
    buyer_id     text        NOT NULL,
    producer_id  text        NOT NULL,
    requested_by text        NOT NULL,
    table_no     integer     NOT NULL,
    starts_at    timestamptz NOT NULL,
    ends_at      timestamptz NOT NULL,
    status       text        NOT NULL,
    requested_at timestamptz NOT NULL,
    decided_at   timestamptz,
    held         boolean
);
-- No table, buyer or exhibitor is ever in two live meetings of one slot,
-- however many requests race: the database refuses the second.
CREATE UNIQUE INDEX meetings_table_once ON meetings (fair_id, starts_at, table_no) WHERE status IN ('requested', 'accepted');
CREATE UNIQUE INDEX meetings_buyer_once ON meetings (fair_id, starts_at, buyer_id) WHERE status IN ('requested', 'accepted');
CREATE UNIQUE INDEX meetings_producer_once ON meetings (fair_id, starts_at, producer_id) WHERE status IN ('requested', 'accepted');
CREATE INDEX meetings_requested ON meetings (requested_at) WHERE status = 'requested';

-- Quotes between a fair's buyers and exhibitors, kept from the demand
-- stream, to count the quotes that followed a fair.
CREATE TABLE quotes (
    id           text PRIMARY KEY,
    buyer_id     text        NOT NULL,
    producer_id  text        NOT NULL,
    submitted_at timestamptz NOT NULL
);
