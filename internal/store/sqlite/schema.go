package sqlite

// migrations are append-only: each entry moves the schema from version i
// to i+1 inside one transaction that also bumps user_version.
var migrations = []string{
	// 1: initial schema.
	`
CREATE TABLE runs(
  id INTEGER PRIMARY KEY,
  started TEXT NOT NULL,
  finished TEXT,
  root TEXT NOT NULL,
  status TEXT NOT NULL,
  summary TEXT
);
CREATE TABLE messages(
  rowid INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  dedup_key TEXT NOT NULL UNIQUE,
  kind TEXT NOT NULL,
  mid TEXT NOT NULL DEFAULT '',
  in_reply_to TEXT NOT NULL DEFAULT '',
  refs TEXT NOT NULL DEFAULT '[]',
  date_utc INTEGER,
  date_offset INTEGER NOT NULL DEFAULT 0,
  date_raw TEXT NOT NULL DEFAULT '',
  date_flag TEXT NOT NULL DEFAULT '',
  from_name TEXT NOT NULL DEFAULT '',
  from_addr TEXT NOT NULL DEFAULT '',
  sender_json TEXT NOT NULL DEFAULT '{}',
  to_json TEXT NOT NULL DEFAULT '[]',
  cc_json TEXT NOT NULL DEFAULT '[]',
  bcc_json TEXT NOT NULL DEFAULT '[]',
  reply_to_json TEXT NOT NULL DEFAULT '[]',
  headers_json TEXT NOT NULL DEFAULT '[]',
  warnings_json TEXT NOT NULL DEFAULT '[]',
  flags TEXT NOT NULL DEFAULT '',
  body_html TEXT NOT NULL DEFAULT '',
  size INTEGER NOT NULL DEFAULT 0,
  raw_sha256 TEXT NOT NULL DEFAULT '',
  content_hash TEXT NOT NULL DEFAULT '',
  confidence REAL NOT NULL DEFAULT 1,
  container_id TEXT NOT NULL DEFAULT '',
  thread_id TEXT NOT NULL DEFAULT '',
  parent_id TEXT NOT NULL DEFAULT '',
  att_count INTEGER NOT NULL DEFAULT 0,
  has_html INTEGER NOT NULL DEFAULT 0,
  run_id INTEGER NOT NULL
);
CREATE INDEX messages_mid ON messages(mid) WHERE mid != '';
CREATE INDEX messages_date ON messages(date_utc);
CREATE INDEX messages_thread ON messages(thread_id);
CREATE INDEX messages_from ON messages(from_addr);

-- msgtext is the external content table of the full-text index.
CREATE TABLE msgtext(
  rowid INTEGER PRIMARY KEY,
  subject TEXT, body TEXT, sender TEXT, to_ TEXT, cc TEXT, bcc TEXT, filename TEXT, atttext TEXT
);
CREATE VIRTUAL TABLE fts USING fts5(
  subject, body, sender, to_, cc, bcc, filename, atttext,
  content='msgtext', content_rowid='rowid',
  tokenize='unicode61 remove_diacritics 2'
);
INSERT INTO fts(fts, rank) VALUES('rank', 'bm25(6.0, 1.0, 3.0, 2.0, 1.5, 1.0, 2.0, 0.5)');

CREATE TABLE sources(
  id INTEGER PRIMARY KEY,
  message_rowid INTEGER NOT NULL REFERENCES messages(rowid),
  path TEXT NOT NULL,
  member TEXT NOT NULL DEFAULT '',
  offset INTEGER NOT NULL DEFAULT 0,
  length INTEGER NOT NULL DEFAULT 0,
  sha256 TEXT NOT NULL DEFAULT '',
  file_sha256 TEXT NOT NULL DEFAULT '',
  page INTEGER NOT NULL DEFAULT 0,
  page_end INTEGER NOT NULL DEFAULT 0,
  bates TEXT NOT NULL DEFAULT '',
  line_from INTEGER NOT NULL DEFAULT 0,
  line_to INTEGER NOT NULL DEFAULT 0,
  run_id INTEGER NOT NULL,
  UNIQUE(message_rowid, path, member, offset, page, line_from)
);
CREATE INDEX sources_path ON sources(path);
CREATE INDEX sources_bates ON sources(bates) WHERE bates != '';

CREATE TABLE attachments(
  message_rowid INTEGER NOT NULL REFERENCES messages(rowid),
  idx INTEGER NOT NULL,
  filename TEXT NOT NULL,
  mime TEXT NOT NULL,
  size INTEGER NOT NULL,
  sha256 TEXT NOT NULL,
  text_error TEXT NOT NULL DEFAULT '',
  PRIMARY KEY(message_rowid, idx)
);
CREATE INDEX attachments_sha ON attachments(sha256);

CREATE TABLE files(
  path TEXT NOT NULL,
  sha256 TEXT NOT NULL,
  size INTEGER NOT NULL,
  format TEXT NOT NULL,
  run_id INTEGER NOT NULL,
  seen INTEGER NOT NULL,
  emitted INTEGER NOT NULL,
  status TEXT NOT NULL,
  PRIMARY KEY(path, sha256)
);

CREATE TABLE problems(
  id INTEGER PRIMARY KEY,
  run_id INTEGER NOT NULL,
  kind TEXT NOT NULL,
  path TEXT NOT NULL,
  member TEXT NOT NULL DEFAULT '',
  offset INTEGER NOT NULL DEFAULT 0,
  page INTEGER NOT NULL DEFAULT 0,
  reason TEXT NOT NULL,
  UNIQUE(kind, path, member, offset, page, reason)
);

CREATE TABLE placeholders(
  id TEXT PRIMARY KEY,
  mid TEXT NOT NULL,
  thread_id TEXT NOT NULL,
  parent_id TEXT NOT NULL DEFAULT ''
);

-- tags and notes are investigator work: never rebuilt from sources.
CREATE TABLE tags(
  message_id TEXT NOT NULL,
  tag TEXT NOT NULL,
  created TEXT NOT NULL,
  PRIMARY KEY(message_id, tag)
);
`,
	// 2: the append-only investigator edit log (tags, notes, identity edits).
	`
CREATE TABLE edits(
  id INTEGER PRIMARY KEY,
  kind TEXT NOT NULL,
  target TEXT NOT NULL,
  value TEXT NOT NULL DEFAULT '',
  data TEXT NOT NULL DEFAULT '',
  actor TEXT NOT NULL DEFAULT '',
  reason TEXT NOT NULL DEFAULT '',
  at TEXT NOT NULL
);
CREATE INDEX edits_target ON edits(target);
CREATE TRIGGER edits_append_only_u BEFORE UPDATE ON edits BEGIN SELECT RAISE(ABORT, 'edits are append-only'); END;
CREATE TRIGGER edits_append_only_d BEFORE DELETE ON edits BEGIN SELECT RAISE(ABORT, 'edits are append-only'); END;
`,
	// 3: date-ordered listings (sort date / -date, undated last) read an
	// index instead of sorting every match.
	`
CREATE INDEX messages_date_order ON messages(date_utc IS NULL, date_utc, id);
CREATE INDEX messages_date_order_desc ON messages(date_utc IS NULL, date_utc DESC, id);
`,
	// 4: printed messages linked as copies of native ones.
	`
ALTER TABLE messages ADD COLUMN copy_of TEXT NOT NULL DEFAULT '';
ALTER TABLE messages ADD COLUMN copy_score REAL NOT NULL DEFAULT 0;
ALTER TABLE messages ADD COLUMN copy_evidence TEXT NOT NULL DEFAULT '';
CREATE INDEX messages_copy_of ON messages(copy_of) WHERE copy_of != '';
`, // 5: the page documents, so a full-text search can leave them out
	// without joining every match to messages.
	`
CREATE INDEX messages_pages ON messages(kind) WHERE kind = 'page';
`, // 6: the change counter and data derived from the whole case (the
	// people index), valid while their generation is the case's.
	`
CREATE TABLE generation(id INTEGER PRIMARY KEY CHECK (id = 1), n INTEGER NOT NULL);
INSERT INTO generation VALUES (1, 1);
CREATE TABLE derived_sets(name TEXT PRIMARY KEY, generation INTEGER NOT NULL);
CREATE TABLE derived(
  id INTEGER PRIMARY KEY,
  set_name TEXT NOT NULL,
  key TEXT NOT NULL,
  data BLOB NOT NULL,
  UNIQUE(set_name, key)
);
`, // 7: the message counts of Stats read one narrow index instead of
	// scanning the messages table once per count.
	`
CREATE INDEX messages_stats ON messages(kind, copy_of, date_utc, flags);
`, // 8: thread assignments live in a narrow table of their own: setting
	// them in the wide messages rows rewrote every row (2.4 s of a 20 s
	// ingest at 100k, all of it after the last batch). messages keeps its
	// thread_id and parent_id columns, no longer read or written:
	// dropping them would rewrite the whole table on first open (half a
	// minute at a million messages).
	`
CREATE TABLE threads(
  rowid INTEGER PRIMARY KEY, -- the message's
  thread_id TEXT NOT NULL,
  parent_id TEXT NOT NULL DEFAULT ''
);
CREATE INDEX threads_thread ON threads(thread_id);
INSERT INTO threads(rowid, thread_id, parent_id)
  SELECT rowid, thread_id, parent_id FROM messages WHERE thread_id != '' OR parent_id != '';
DROP INDEX messages_thread;
`,
}
