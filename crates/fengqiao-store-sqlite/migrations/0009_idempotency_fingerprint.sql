-- What an idempotency key was first used for: a replay with other content is refused, not
-- answered with the first case. Keys written before this migration have none and are trusted.
ALTER TABLE cases ADD COLUMN idempotency_fingerprint TEXT;
