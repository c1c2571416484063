-- The centre's queue of what reporters added lately (补充诉求, "still not solved"): events of
-- one action since a time.

CREATE INDEX case_events_action_at ON case_events (action, at);
