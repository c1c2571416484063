-- Delivering notifications: each one waits in a queue (state 'pending') until a sender takes it;
-- every attempt is counted, the last failure kept, and the next attempt scheduled.
ALTER TABLE notifications ADD COLUMN state TEXT NOT NULL DEFAULT 'pending';
ALTER TABLE notifications ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE notifications ADD COLUMN next_attempt_at BIGINT;
ALTER TABLE notifications ADD COLUMN last_error TEXT;

-- Written before there was a sender: never sent, and too old to send now.
UPDATE notifications SET state = 'expired', last_error = '生成于短信发送功能启用之前，未发送'
 WHERE sent_at IS NULL;
UPDATE notifications SET state = 'sent' WHERE sent_at IS NOT NULL;
UPDATE notifications SET state = 'unreachable' WHERE phone IS NULL;

CREATE INDEX notifications_due ON notifications (state, next_attempt_at, id);
