package postgres

// migrations are append-only: entry i moves a case schema from version i
// to i+1. Open applies the missing ones in one transaction together with
// the schema_version bump. Statements run with search_path set to the
// case's schema (then the schema holding pg_trgm), so names are not
// qualified. Text columns compared or sorted like SQLite's (paths, ids)
// use the "C" collation: byte order, whatever the database's locale.
var migrations = []string{
	// 1: initial schema.
	`
CREATE TABLE case_info(
  name text NOT NULL,
  created timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE runs(
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  started timestamptz NOT NULL,
  finished timestamptz,
  root text NOT NULL,
  status text NOT NULL,
  summary jsonb
);

CREATE TABLE messages(
  rowid bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  id text COLLATE "C" NOT NULL UNIQUE,
  dedup_key text COLLATE "C" NOT NULL UNIQUE,
  kind text NOT NULL,
  mid text COLLATE "C" NOT NULL DEFAULT '',
  in_reply_to text NOT NULL DEFAULT '',
  refs jsonb NOT NULL DEFAULT '[]',
  date_utc timestamptz,
  date_offset integer NOT NULL DEFAULT 0,
  date_raw text NOT NULL DEFAULT '',
  date_flag text NOT NULL DEFAULT '',
  from_name text NOT NULL DEFAULT '',
  from_addr text NOT NULL DEFAULT '',
  sender jsonb NOT NULL DEFAULT '{}',
  to_ jsonb NOT NULL DEFAULT '[]',
  cc jsonb NOT NULL DEFAULT '[]',
  bcc jsonb NOT NULL DEFAULT '[]',
  reply_to jsonb NOT NULL DEFAULT '[]',
  headers jsonb NOT NULL DEFAULT '[]',
  warnings jsonb NOT NULL DEFAULT '[]',
  flags text[] NOT NULL DEFAULT '{}',
  body_html text NOT NULL DEFAULT '',
  size bigint NOT NULL DEFAULT 0,
  raw_sha256 text NOT NULL DEFAULT '',
  content_hash text NOT NULL DEFAULT '',
  confidence double precision NOT NULL DEFAULT 1,
  container_id text NOT NULL DEFAULT '',
  thread_id text COLLATE "C" NOT NULL DEFAULT '',
  parent_id text NOT NULL DEFAULT '',
  att_count integer NOT NULL DEFAULT 0,
  has_html boolean NOT NULL DEFAULT false,
  run_id bigint NOT NULL
);
CREATE INDEX messages_mid ON messages(mid) WHERE mid <> '';
CREATE INDEX messages_date ON messages(date_utc, id);
CREATE INDEX messages_date_desc ON messages(date_utc DESC NULLS LAST, id);
CREATE INDEX messages_thread ON messages(thread_id) WHERE thread_id <> '';
CREATE INDEX messages_from ON messages(from_addr);

-- msgtext holds the searchable text of each message and its full-text
-- vectors, one per field (built by casefile, see tokenize.go), and all
-- of them together, weighted for ranking, in v_all, which is indexed.
CREATE TABLE msgtext(
  rowid bigint PRIMARY KEY REFERENCES messages(rowid),
  subject text NOT NULL DEFAULT '',
  body text NOT NULL DEFAULT '',
  sender text NOT NULL DEFAULT '',
  to_ text NOT NULL DEFAULT '',
  cc text NOT NULL DEFAULT '',
  bcc text NOT NULL DEFAULT '',
  filename text NOT NULL DEFAULT '',
  atttext text NOT NULL DEFAULT '',
  v_subject tsvector NOT NULL,
  v_body tsvector NOT NULL,
  v_sender tsvector NOT NULL,
  v_to tsvector NOT NULL,
  v_cc tsvector NOT NULL,
  v_bcc tsvector NOT NULL,
  v_filename tsvector NOT NULL,
  v_atttext tsvector NOT NULL,
  v_all tsvector GENERATED ALWAYS AS (
    setweight(v_subject, 'A') || setweight(v_sender, 'B') || setweight(v_filename, 'B') ||
    setweight(v_to, 'C') || setweight(v_cc, 'C') || setweight(v_bcc, 'C') || v_body || v_atttext) STORED
);
CREATE INDEX msgtext_v_all ON msgtext USING gin(v_all);

CREATE TABLE sources(
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  message_rowid bigint NOT NULL REFERENCES messages(rowid),
  path text COLLATE "C" NOT NULL,
  member text COLLATE "C" NOT NULL DEFAULT '',
  byte_offset bigint NOT NULL DEFAULT 0,
  length bigint NOT NULL DEFAULT 0,
  sha256 text NOT NULL DEFAULT '',
  file_sha256 text NOT NULL DEFAULT '',
  page integer NOT NULL DEFAULT 0,
  page_end integer NOT NULL DEFAULT 0,
  bates text COLLATE "C" NOT NULL DEFAULT '',
  line_from integer NOT NULL DEFAULT 0,
  line_to integer NOT NULL DEFAULT 0,
  run_id bigint NOT NULL,
  UNIQUE(message_rowid, path, member, byte_offset, page, line_from)
);
CREATE INDEX sources_path ON sources(path);
CREATE INDEX sources_path_trgm ON sources USING gin(path gin_trgm_ops);
CREATE INDEX sources_bates ON sources(bates) WHERE bates <> '';
CREATE INDEX sources_bates_trgm ON sources USING gin(bates gin_trgm_ops) WHERE bates <> '';

CREATE TABLE attachments(
  message_rowid bigint NOT NULL REFERENCES messages(rowid),
  idx integer NOT NULL,
  filename text NOT NULL,
  mime text NOT NULL,
  size bigint NOT NULL,
  sha256 text NOT NULL,
  text_error text NOT NULL DEFAULT '',
  PRIMARY KEY(message_rowid, idx)
);
CREATE INDEX attachments_sha ON attachments(sha256);

CREATE TABLE files(
  path text COLLATE "C" NOT NULL,
  sha256 text COLLATE "C" NOT NULL,
  size bigint NOT NULL,
  format text NOT NULL,
  run_id bigint NOT NULL,
  seen integer NOT NULL,
  emitted integer NOT NULL,
  status text NOT NULL,
  PRIMARY KEY(path, sha256)
);

CREATE TABLE problems(
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  run_id bigint NOT NULL,
  kind text NOT NULL,
  path text COLLATE "C" NOT NULL,
  member text COLLATE "C" NOT NULL DEFAULT '',
  byte_offset bigint NOT NULL DEFAULT 0,
  page integer NOT NULL DEFAULT 0,
  reason text NOT NULL,
  UNIQUE(kind, path, member, byte_offset, page, reason)
);

CREATE TABLE placeholders(
  id text COLLATE "C" PRIMARY KEY,
  mid text NOT NULL,
  thread_id text COLLATE "C" NOT NULL,
  parent_id text NOT NULL DEFAULT ''
);
CREATE INDEX placeholders_thread ON placeholders(thread_id);

-- tags and notes are investigator work: never rebuilt from sources.
CREATE TABLE tags(
  message_id text COLLATE "C" NOT NULL,
  tag text COLLATE "C" NOT NULL,
  created timestamptz NOT NULL,
  PRIMARY KEY(message_id, tag)
);
CREATE INDEX tags_tag ON tags(tag);

-- The append-only investigator edit log (tags, notes, identity edits).
CREATE TABLE edits(
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  kind text COLLATE "C" NOT NULL,
  target text COLLATE "C" NOT NULL,
  value text NOT NULL DEFAULT '',
  data jsonb,
  actor text NOT NULL DEFAULT '',
  reason text NOT NULL DEFAULT '',
  at timestamptz NOT NULL
);
CREATE INDEX edits_target ON edits(target);
CREATE FUNCTION edits_append_only() RETURNS trigger LANGUAGE plpgsql AS $f$
BEGIN
  RAISE EXCEPTION 'edits are append-only';
END
$f$;
CREATE TRIGGER edits_append_only_row BEFORE UPDATE OR DELETE ON edits
  FOR EACH ROW EXECUTE FUNCTION edits_append_only();
CREATE TRIGGER edits_append_only_truncate BEFORE TRUNCATE ON edits
  FOR EACH STATEMENT EXECUTE FUNCTION edits_append_only();

-- cf_near reports whether v holds every phrase (words separated by
-- single spaces) with the same proximity rule as SQLite FTS5's NEAR:
-- there is an instance of each phrase such that at most dist words lie
-- between the end of any of them and the start of the last one to
-- start. A phrase's words follow each other (positions p, p+1, ...).
CREATE FUNCTION cf_near(v tsvector, phrases text[], dist integer) RETURNS boolean
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $f$
  WITH lex AS MATERIALIZED (
    SELECT u.lexeme, u.positions FROM unnest(v) AS u
    WHERE u.lexeme = ANY (string_to_array(array_to_string(phrases, ' '), ' '))
  ), ph AS MATERIALIZED (
    SELECT i, string_to_array(phrases[i], ' ') AS toks FROM generate_subscripts(phrases, 1) AS i
  ), st AS MATERIALIZED (
    SELECT ph.i, cardinality(ph.toks) AS len, p.pos::integer AS start
    FROM ph JOIN lex ON lex.lexeme = ph.toks[1], unnest(lex.positions) AS p(pos)
    WHERE NOT EXISTS (
      SELECT 1 FROM generate_series(2, cardinality(ph.toks)) AS j
      WHERE NOT EXISTS (SELECT 1 FROM lex AS l2 WHERE l2.lexeme = ph.toks[j] AND (p.pos + j - 1) = ANY (l2.positions)))
  )
  SELECT EXISTS (
    SELECT 1 FROM st AS last WHERE NOT EXISTS (
      SELECT 1 FROM ph WHERE NOT EXISTS (
        SELECT 1 FROM st AS s WHERE s.i = ph.i AND s.start BETWEEN last.start - s.len - dist AND last.start)))
$f$;
`,
	// 2: printed messages linked as copies of native ones (SetCopies).
	`
ALTER TABLE messages ADD COLUMN copy_of text COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE messages ADD COLUMN copy_score double precision NOT NULL DEFAULT 0;
ALTER TABLE messages ADD COLUMN copy_evidence jsonb;
CREATE INDEX messages_copy_of ON messages(copy_of) WHERE copy_of <> '';
`, // 3: the change counter and data derived from the whole case (the
	// people index), valid while their generation is the case's.
	`
CREATE TABLE generation(id integer PRIMARY KEY CHECK (id = 1), n bigint NOT NULL);
INSERT INTO generation VALUES (1, 1);
CREATE TABLE derived_sets(name text COLLATE "C" PRIMARY KEY, generation bigint NOT NULL);
CREATE TABLE derived(
  set_name text COLLATE "C" NOT NULL,
  key text COLLATE "C" NOT NULL,
  data bytea NOT NULL,
  PRIMARY KEY(set_name, key)
);
`, // 4: the page documents, so text searches can leave them out without
	// joining every match to messages.
	`
CREATE INDEX messages_pages ON messages(rowid) WHERE kind = 'page';
`, // 5: the weighted vector that finds and ranks text searches in a
	// narrow table of its own: ranking read msgtext's wide rows (every
	// field's text and vector) for every match, two to three times the
	// work. Stored inline (MAIN) to spare the TOAST lookups.
	`
CREATE TABLE msgrank(
  rowid bigint PRIMARY KEY REFERENCES messages(rowid),
  v tsvector NOT NULL
);
ALTER TABLE msgrank ALTER COLUMN v SET STORAGE MAIN;
INSERT INTO msgrank(rowid, v) SELECT rowid, v_all FROM msgtext;
CREATE INDEX msgrank_v ON msgrank USING gin(v);
DROP INDEX msgtext_v_all;
`,
	// 6: thread assignments move to a narrow table of their own, as in
	// the SQLite store: threading a whole case updated every wide
	// messages row (6.8 s of a 60 s ingest at 100k, and a heap twice its
	// size until vacuum). messages.thread_id and parent_id stay, unused
	// and no longer kept up to date: dropping them rewrites the table.
	`
CREATE TABLE threads(
  rowid bigint PRIMARY KEY REFERENCES messages(rowid),
  thread_id text COLLATE "C" NOT NULL,
  parent_id text NOT NULL DEFAULT ''
);
INSERT INTO threads(rowid, thread_id, parent_id)
  SELECT rowid, thread_id, parent_id FROM messages WHERE thread_id <> '' OR parent_id <> '';
CREATE INDEX threads_thread ON threads(thread_id);
DROP INDEX messages_thread;
`,
	// 7: messages' dates and attachment counts in the ranking table, so
	// that a text search limited to a period or to messages with
	// attachments is answered from msgrank alone: it joined every match
	// of the words to messages (a frequent word in one year at 100k: 245
	// ms of database time, now 21). And clamped: whether v's positions
	// were clamped or capped (concatClamped), so that for the other rows
	// a phrase is checked in v before the fields' own vectors are read.
	`
ALTER TABLE msgrank ADD COLUMN IF NOT EXISTS date_utc timestamptz;
ALTER TABLE msgrank ADD COLUMN IF NOT EXISTS att_count integer NOT NULL DEFAULT 0;
ALTER TABLE msgrank ADD COLUMN IF NOT EXISTS clamped boolean NOT NULL DEFAULT true;
UPDATE msgrank r SET date_utc = m.date_utc, att_count = m.att_count,
  clamped = EXISTS (SELECT 1 FROM unnest(r.v) u WHERE cardinality(u.positions) >= 256 OR 16383 = ANY (u.positions))
  FROM messages m WHERE m.rowid = r.rowid;
CREATE INDEX IF NOT EXISTS msgrank_date ON msgrank(date_utc);
`,
}
