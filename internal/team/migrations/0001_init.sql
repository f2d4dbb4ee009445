-- Accounts, per-case roles, browser sessions and API tokens.
-- Secrets are never stored: passwords as argon2id PHC strings, session
-- and API tokens as SHA-256 digests of the random token.
CREATE TABLE users (
  id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name                text NOT NULL UNIQUE,
  password_hash       text NOT NULL,
  admin               boolean NOT NULL DEFAULT false,
  disabled            boolean NOT NULL DEFAULT false,
  created_at          timestamptz NOT NULL,
  password_changed_at timestamptz NOT NULL
);

CREATE TABLE case_roles (
  user_id    bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  case_name  text NOT NULL,
  role       text NOT NULL CHECK (role IN ('reader', 'editor', 'owner')),
  granted_at timestamptz NOT NULL,
  granted_by text NOT NULL DEFAULT '',
  PRIMARY KEY (user_id, case_name)
);
CREATE INDEX case_roles_case ON case_roles (case_name);

CREATE TABLE sessions (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id      bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  token_hash   bytea NOT NULL UNIQUE,
  created_at   timestamptz NOT NULL,
  expires_at   timestamptz NOT NULL,
  last_seen_at timestamptz NOT NULL,
  revoked_at   timestamptz,
  remote_addr  text NOT NULL DEFAULT '',
  user_agent   text NOT NULL DEFAULT ''
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expires ON sessions (expires_at);

CREATE TABLE api_tokens (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id      bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  label        text NOT NULL DEFAULT '',
  prefix       text NOT NULL,
  token_hash   bytea NOT NULL UNIQUE,
  created_at   timestamptz NOT NULL,
  expires_at   timestamptz,
  last_used_at timestamptz,
  revoked_at   timestamptz
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);
