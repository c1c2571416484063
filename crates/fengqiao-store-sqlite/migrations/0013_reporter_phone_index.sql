-- The centre finds a caller's cases by their phone number.

CREATE INDEX reporters_phone ON reporters (phone);
