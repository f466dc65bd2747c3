-- The producers' recent match counts and answering records (history.go) read
-- a producer's notifications by recipient and time: PostgreSQL reads them
-- through notifications_recipient_created, and left this partial index
-- unused while every match notification written paid for an entry in it.
DROP INDEX notifications_matches_by_producer;
