-- The JetStream sequence each published event was stored at. A server that
-- does not fsync every message can come back from a power cut without the
-- last ones it acknowledged; the relay compares the stream's last sequence
-- with this one at start and publishes the missing events again, in order.
ALTER TABLE outbox ADD COLUMN stream_sequence bigint;
CREATE INDEX outbox_stream_sequence ON outbox (stream_sequence) WHERE stream_sequence IS NOT NULL;
