-- The live stream goes in the order of the writing transactions' ids, then
-- of seq. Ordered by seq alone it could pass a notification: a transaction
-- younger than another may take a lower seq and commit after it, and its
-- id is not yet below the snapshot's xmin when the other's is.
CREATE INDEX notifications_recipient_stream ON notifications (recipient_role, recipient_id, txid, seq);
