-- Nothing reads notifications by seq alone since the live stream follows
-- (txid, seq) (0006), and every notification written paid for this index:
-- one of six on the table. seq stays unique by its sequence.
DROP INDEX notifications_recipient_seq;
