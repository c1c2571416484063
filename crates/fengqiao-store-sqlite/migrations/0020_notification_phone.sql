-- How many notices one number was sent lately: anonymous reports may not make the platform text a
-- stranger's phone over and over.
CREATE INDEX notifications_phone ON notifications (phone, created_at);
