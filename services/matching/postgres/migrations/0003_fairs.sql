-- Fairs as matching sees them (from the fairs stream): to tell producers of
-- fairs that fit them, and to propose B2B meetings between attending buyers
-- with open demands and exhibitors whose products fit.
CREATE TABLE fairs (
    id           text PRIMARY KEY,
    organiser_id text             NOT NULL,
    name         text             NOT NULL,
    venue        text             NOT NULL,
    lat          double precision NOT NULL,
    lon          double precision NOT NULL,
    starts_on    date             NOT NULL,
    ends_on      date             NOT NULL,
    groups       text[]           NOT NULL,
    categories   text[]           NOT NULL,
    status       text             NOT NULL,
    slot_minutes integer          NOT NULL,
    day_start    integer          NOT NULL,
    day_end      integer          NOT NULL,
    tables       integer          NOT NULL
);

CREATE TABLE fair_exhibitors (
    fair_id     text   NOT NULL REFERENCES fairs (id),
    producer_id text   NOT NULL,
    booking_id  text   NOT NULL,
    booth_code  text   NOT NULL,
    product_ids text[] NOT NULL,
    PRIMARY KEY (fair_id, producer_id)
);

CREATE TABLE fair_participants (
    fair_id  text NOT NULL REFERENCES fairs (id),
    buyer_id text NOT NULL,
    PRIMARY KEY (fair_id, buyer_id)
);

-- Live meetings, to propose only slots both sides and a table have free.
CREATE TABLE fair_meetings (
    id          text PRIMARY KEY,
    fair_id     text        NOT NULL,
    buyer_id    text        NOT NULL,
    producer_id text        NOT NULL,
    table_no    integer     NOT NULL,
    starts_at   timestamptz NOT NULL,
    status      text        NOT NULL
);
CREATE INDEX fair_meetings_slot ON fair_meetings (fair_id, starts_at) WHERE status IN ('requested', 'accepted');
