-- Who changed what: the principal (a user, node:<name>, service:<name>, system:<service>, anonymous)
-- and the request id of the call that caused each event. Events written before this migration were
-- written by no known principal: they read 'system'.
ALTER TABLE events ADD COLUMN principal TEXT NOT NULL DEFAULT 'system';
ALTER TABLE events ADD COLUMN request_id TEXT;
