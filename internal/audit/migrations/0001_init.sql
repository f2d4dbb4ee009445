-- The audit log: one row per accountable action. Append-only: rows can be
-- inserted and read, never updated, deleted or truncated (the triggers
-- below raise for every role, the table owner included).
CREATE TABLE audit_events (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at          timestamptz NOT NULL DEFAULT clock_timestamp(),
  user_id     bigint,
  user_name   text NOT NULL DEFAULT '',
  action      text NOT NULL CHECK (action <> ''),
  case_name   text NOT NULL DEFAULT '',
  target      text NOT NULL DEFAULT '',
  details     jsonb NOT NULL DEFAULT '{}'::jsonb,
  remote_addr text NOT NULL DEFAULT ''
);
CREATE INDEX audit_events_case ON audit_events (case_name, id);
CREATE INDEX audit_events_user ON audit_events (user_name, id);
CREATE INDEX audit_events_at ON audit_events (at);

CREATE FUNCTION audit_events_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'casefile audit log is append-only: % on % is not allowed', TG_OP, TG_TABLE_NAME
    USING ERRCODE = 'insufficient_privilege',
          HINT = 'audit entries can only be added, never changed or removed';
END
$$;

CREATE TRIGGER audit_events_no_update_delete
  BEFORE UPDATE OR DELETE ON audit_events
  FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();
CREATE TRIGGER audit_events_no_truncate
  BEFORE TRUNCATE ON audit_events
  FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only();

REVOKE UPDATE, DELETE, TRUNCATE ON audit_events FROM PUBLIC;
