// Numbered schema migrations of case.db. A migration is never edited once released: add a new
// one. `schema_migrations` records which are applied (see migrate() in open.ts); `user_version`
// holds the highest.

import { countsSql } from '../catalogue/counts.ts';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const migrations: Migration[] = [
  {
    version: 1,
    name: 'catalogue, custody log, sources',
    sql: `
CREATE TABLE cases (
  id          INTEGER PRIMARY KEY CHECK (id = 1),
  uuid        TEXT NOT NULL,
  number      TEXT NOT NULL,
  name        TEXT NOT NULL,
  created_at  TEXT NOT NULL,
  created_by  TEXT NOT NULL,
  settings    TEXT NOT NULL DEFAULT '{}'
);

CREATE TABLE officers (
  id          INTEGER PRIMARY KEY,
  name        TEXT NOT NULL UNIQUE,
  created_at  TEXT NOT NULL
);

CREATE TABLE exhibits (
  id          INTEGER PRIMARY KEY,
  number      TEXT NOT NULL UNIQUE,
  seal_number TEXT,
  description TEXT,
  created_at  TEXT NOT NULL,
  created_by  TEXT NOT NULL
);

-- One row per ingest of one export; also the job record that lets an interrupted ingest resume.
CREATE TABLE sources (
  id          INTEGER PRIMARY KEY,
  exhibit_id  INTEGER REFERENCES exhibits(id),
  kind        TEXT NOT NULL,
  root_path   TEXT NOT NULL,
  status      TEXT NOT NULL CHECK (status IN ('running', 'interrupted', 'finished', 'failed')),
  officer     TEXT NOT NULL,
  host        TEXT NOT NULL,
  pid         INTEGER,
  started_at  TEXT NOT NULL,
  finished_at TEXT,
  summary     TEXT
);

-- One row per thing found in a source. path is relative to the source root with '/' between
-- parts ('!/' will separate archive levels). path_raw keeps the bytes of a name that is not
-- valid UTF-8.
CREATE TABLE items (
  id           INTEGER PRIMARY KEY,
  source_id    INTEGER NOT NULL REFERENCES sources(id),
  path         TEXT NOT NULL,
  path_raw     BLOB,
  name         TEXT NOT NULL,
  ext          TEXT,
  kind         TEXT NOT NULL CHECK (kind IN ('file', 'dir', 'symlink', 'fifo', 'socket', 'device', 'other')),
  size         INTEGER,
  mode         INTEGER,
  uid          INTEGER,
  gid          INTEGER,
  inode        TEXT,
  mtime        TEXT,
  ctime        TEXT,
  atime        TEXT,
  birthtime    TEXT,
  link_target  TEXT,
  md5          TEXT,
  sha1         TEXT,
  sha256       TEXT,
  mime         TEXT,
  detected_ext TEXT,
  ext_mismatch INTEGER NOT NULL DEFAULT 0,
  error        TEXT,
  added_at     TEXT NOT NULL,
  UNIQUE (source_id, path)
);
CREATE INDEX items_sha256 ON items(sha256);
CREATE INDEX items_mime ON items(mime);
CREATE INDEX items_size ON items(size);
CREATE INDEX items_name ON items(name);

CREATE TABLE metadata (
  item_id     INTEGER PRIMARY KEY REFERENCES items(id),
  taken_at    TEXT,
  lat         REAL,
  lon         REAL,
  alt         REAL,
  make        TEXT,
  model       TEXT,
  orientation INTEGER,
  json        TEXT,
  error       TEXT
);
CREATE INDEX metadata_taken_at ON metadata(taken_at);
CREATE INDEX metadata_gps ON metadata(lat, lon) WHERE lat IS NOT NULL;

-- The chain of custody: append-only, each row hash-chained to the one before.
CREATE TABLE custody_events (
  seq        INTEGER PRIMARY KEY,
  at_utc     TEXT NOT NULL,
  tz_offset  TEXT NOT NULL,
  tz_name    TEXT NOT NULL,
  officer    TEXT NOT NULL,
  host       TEXT NOT NULL,
  action     TEXT NOT NULL,
  target     TEXT,
  reason     TEXT,
  details    TEXT NOT NULL,
  prev_hash  TEXT NOT NULL,
  hash       TEXT NOT NULL
);
CREATE TRIGGER custody_events_no_update BEFORE UPDATE ON custody_events
BEGIN SELECT RAISE(ABORT, 'custody_events is append-only: rows cannot be changed'); END;
CREATE TRIGGER custody_events_no_delete BEFORE DELETE ON custody_events
BEGIN SELECT RAISE(ABORT, 'custody_events is append-only: rows cannot be deleted'); END;
`,
  },
  {
    version: 2,
    name: 'containers: nesting, reader facts',
    sql: `
-- The container item a member was read from (null at the top level), how deep it sits, the
-- kind of container this item is (when it was opened), and what the reader recorded about it
-- (iOS domain and fileID, UFDR device path and reported hashes, ZIP method...).
ALTER TABLE items ADD COLUMN parent_id INTEGER REFERENCES items(id);
ALTER TABLE items ADD COLUMN depth INTEGER NOT NULL DEFAULT 0;
ALTER TABLE items ADD COLUMN container TEXT;
ALTER TABLE items ADD COLUMN extra TEXT;
CREATE INDEX items_parent ON items(parent_id) WHERE parent_id IS NOT NULL;
CREATE INDEX items_container ON items(source_id) WHERE container IS NOT NULL;
`,
  },
  {
    version: 3,
    name: 'officer accounts, exhibit records, signed checkpoints',
    sql: `
-- Officers sign in: a password verifier and an Ed25519 key wrapped under the password
-- (secrets, JSON). Officers recorded by name before accounts existed have no secrets and
-- cannot sign in until an admin sets their password.
ALTER TABLE officers ADD COLUMN badge TEXT;
ALTER TABLE officers ADD COLUMN unit TEXT;
ALTER TABLE officers ADD COLUMN role TEXT NOT NULL DEFAULT 'officer' CHECK (role IN ('officer', 'examiner', 'reviewer', 'admin'));
ALTER TABLE officers ADD COLUMN status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled', 'locked'));
ALTER TABLE officers ADD COLUMN secrets TEXT;
ALTER TABLE officers ADD COLUMN failed_sign_ins INTEGER NOT NULL DEFAULT 0;
ALTER TABLE officers ADD COLUMN created_by TEXT;

-- Public keys ever used in this case, so a checkpoint or transfer signed by a key that was later
-- replaced still verifies, and one signed by a key never registered here is named as unknown.
CREATE TABLE officer_keys (
  public_key  TEXT PRIMARY KEY,
  officer     TEXT NOT NULL,
  created_at  TEXT NOT NULL
);

ALTER TABLE exhibits ADD COLUMN device_make TEXT;
ALTER TABLE exhibits ADD COLUMN device_model TEXT;
ALTER TABLE exhibits ADD COLUMN serial TEXT;
ALTER TABLE exhibits ADD COLUMN imei TEXT;
ALTER TABLE exhibits ADD COLUMN condition TEXT;
ALTER TABLE exhibits ADD COLUMN seized_by TEXT;
ALTER TABLE exhibits ADD COLUMN seized_at TEXT;
ALTER TABLE exhibits ADD COLUMN seized_where TEXT;
ALTER TABLE exhibits ADD COLUMN custodian TEXT;
ALTER TABLE exhibits ADD COLUMN sealed INTEGER NOT NULL DEFAULT 1;

-- Signed statements of the custody chain's head: truncation or a re-written chain is caught by
-- comparing against them.
CREATE TABLE checkpoints (
  id          INTEGER PRIMARY KEY,
  seq         INTEGER NOT NULL,
  head_hash   TEXT NOT NULL,
  at_utc      TEXT NOT NULL,
  officer     TEXT NOT NULL,
  public_key  TEXT NOT NULL,
  statement   TEXT NOT NULL,
  signature   TEXT NOT NULL
);
CREATE TRIGGER checkpoints_no_update BEFORE UPDATE ON checkpoints
BEGIN SELECT RAISE(ABORT, 'checkpoints are append-only: rows cannot be changed'); END;
CREATE TRIGGER checkpoints_no_delete BEFORE DELETE ON checkpoints
BEGIN SELECT RAISE(ABORT, 'checkpoints are append-only: rows cannot be deleted'); END;
`,
  },
  {
    version: 4,
    name: 'append-only against REPLACE; ingest lock identity',
    sql: `
-- INSERT OR REPLACE deletes the old row without firing delete triggers: refuse it up front.
CREATE TRIGGER custody_events_no_replace BEFORE INSERT ON custody_events
WHEN EXISTS (SELECT 1 FROM custody_events WHERE seq = NEW.seq)
BEGIN SELECT RAISE(ABORT, 'custody_events is append-only: rows cannot be replaced'); END;
CREATE TRIGGER checkpoints_no_replace BEFORE INSERT ON checkpoints
WHEN EXISTS (SELECT 1 FROM checkpoints WHERE id = NEW.id)
BEGIN SELECT RAISE(ABORT, 'checkpoints are append-only: rows cannot be replaced'); END;
-- Which process runs an ingest: boot id, pid and the process's start time, so a pid reused
-- after a crash or reboot is not mistaken for a live ingest.
ALTER TABLE sources ADD COLUMN runner TEXT;
`,
  },
  {
    version: 5,
    name: 'tags, notes, extracted text and the full-text index',
    sql: `
-- The tag vocabulary of this case: the shipped one (assets/tags.json, builtin = 1) and tags
-- officers add for the case. Ids are stable ("scam-manual") so rules and bundles can name them.
CREATE TABLE tags (
  id          TEXT PRIMARY KEY,
  label_en    TEXT NOT NULL,
  label_ja    TEXT,
  colour      TEXT NOT NULL,
  builtin     INTEGER NOT NULL DEFAULT 0,
  created_by  TEXT,
  created_at  TEXT
);

-- Which item carries which tag, who put it there, when and why. Untagging deletes the row; the
-- custody log keeps both events.
CREATE TABLE item_tags (
  item_id     INTEGER NOT NULL REFERENCES items(id),
  tag_id      TEXT NOT NULL REFERENCES tags(id),
  officer     TEXT NOT NULL,
  comment     TEXT,
  at_utc      TEXT NOT NULL,
  PRIMARY KEY (item_id, tag_id)
) WITHOUT ROWID;
CREATE INDEX item_tags_tag ON item_tags(tag_id, item_id);

-- Notes on items are never erased: a removal is recorded on the note (and in the custody log).
CREATE TABLE notes (
  id             INTEGER PRIMARY KEY,
  item_id        INTEGER NOT NULL REFERENCES items(id),
  officer        TEXT NOT NULL,
  text           TEXT NOT NULL,
  at_utc         TEXT NOT NULL,
  deleted_at     TEXT,
  deleted_by     TEXT,
  deleted_reason TEXT
);
CREATE INDEX notes_item ON notes(item_id);
CREATE TRIGGER notes_no_delete BEFORE DELETE ON notes
BEGIN SELECT RAISE(ABORT, 'notes are never erased: record a removal instead'); END;
CREATE TRIGGER notes_no_edit BEFORE UPDATE OF id, item_id, officer, text, at_utc ON notes
BEGIN SELECT RAISE(ABORT, 'a note cannot be changed: remove it and add a new one'); END;
CREATE TRIGGER notes_removed_once BEFORE UPDATE OF deleted_at, deleted_by, deleted_reason ON notes
WHEN OLD.deleted_at IS NOT NULL
BEGIN SELECT RAISE(ABORT, 'this note was already removed'); END;

-- Text extracted for search (NFKC-normalised), one row per item, rowid = item id. The trigram
-- tokenizer makes every 3-character substring a token, so Japanese and Chinese substrings match
-- without a word segmenter.
CREATE VIRTUAL TABLE text_index USING fts5(text, tokenize='trigram');

-- What the extraction of an item gave: the format read, the encoding detected, how many
-- characters were indexed, whether the text was cut at the limit, and a problem if any.
CREATE TABLE item_text (
  item_id     INTEGER PRIMARY KEY REFERENCES items(id),
  kind        TEXT NOT NULL CHECK (kind IN ('text', 'csv', 'html', 'json', 'docx', 'xlsx', 'pptx', 'odf', 'pdf', 'eml', 'whatsapp', 'line', 'telegram')),
  encoding    TEXT,
  chars       INTEGER NOT NULL DEFAULT 0,
  truncated   INTEGER NOT NULL DEFAULT 0,
  error       TEXT
);
CREATE INDEX item_text_kind ON item_text(kind);
`,
  },
  {
    version: 6,
    name: 'suggestions, rule packs, known-hash sets',
    sql: `
-- Detector and rule hits awaiting an officer's yes or no. Nothing is tagged until a person
-- accepts; tag_id names a tag of the vocabulary (no foreign key: the tags table is another
-- migration's, and a case may add tags later). One suggestion per item and tag, whatever its
-- status and whichever rule raised it, so a rejected suggestion is not raised again by the next
-- run.
CREATE TABLE suggestions (
  id          INTEGER PRIMARY KEY,
  item_id     INTEGER NOT NULL REFERENCES items(id),
  tag_id      TEXT NOT NULL,
  rule_id     TEXT NOT NULL,
  score       REAL NOT NULL,
  evidence    TEXT NOT NULL,
  status      TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'accepted', 'rejected')),
  created_at  TEXT NOT NULL,
  decided_by  TEXT,
  decided_at  TEXT,
  comment     TEXT,
  UNIQUE (item_id, tag_id)
);
CREATE INDEX suggestions_status ON suggestions(status, item_id);

-- Rule packs a case adds beside the ones shipped in assets/rules (the JSON as given).
CREATE TABLE rule_packs (
  id          TEXT PRIMARY KEY,
  name        TEXT NOT NULL,
  json        TEXT NOT NULL,
  sha256      TEXT NOT NULL,
  added_at    TEXT NOT NULL,
  added_by    TEXT NOT NULL
);

-- Known-hash sets (NSRL, hashdeep, *sum, lists, CSV): known-good hides, known-bad alerts.
CREATE TABLE hashsets (
  id          INTEGER PRIMARY KEY,
  name        TEXT NOT NULL UNIQUE,
  kind        TEXT NOT NULL CHECK (kind IN ('good', 'bad')),
  format      TEXT NOT NULL,
  source_file TEXT NOT NULL,
  file_sha256 TEXT NOT NULL,
  file_size   INTEGER NOT NULL,
  entries     INTEGER NOT NULL DEFAULT 0,
  md5         INTEGER NOT NULL DEFAULT 0,
  sha1        INTEGER NOT NULL DEFAULT 0,
  sha256      INTEGER NOT NULL DEFAULT 0,
  skipped     INTEGER NOT NULL DEFAULT 0,
  imported_at TEXT NOT NULL,
  officer     TEXT NOT NULL
);
-- One table per algorithm, hashes as raw bytes (16, 20, 32), clustered on the hash: 10 million
-- SHA-256 entries take about 450 MB and a lookup is one B-tree descent. Each record of a set
-- file keeps its strongest hash only (SHA-256, else SHA-1, else MD5).
CREATE TABLE hashset_md5 (hash BLOB NOT NULL, set_id INTEGER NOT NULL, PRIMARY KEY (hash, set_id)) WITHOUT ROWID;
CREATE TABLE hashset_sha1 (hash BLOB NOT NULL, set_id INTEGER NOT NULL, PRIMARY KEY (hash, set_id)) WITHOUT ROWID;
CREATE TABLE hashset_sha256 (hash BLOB NOT NULL, set_id INTEGER NOT NULL, PRIMARY KEY (hash, set_id)) WITHOUT ROWID;
-- Items found in a set (filled when a set is imported and at the end of each ingest).
CREATE TABLE hashset_matches (
  item_id     INTEGER NOT NULL REFERENCES items(id),
  set_id      INTEGER NOT NULL REFERENCES hashsets(id),
  algo        TEXT NOT NULL,
  PRIMARY KEY (item_id, set_id)
) WITHOUT ROWID;
CREATE INDEX hashset_matches_set ON hashset_matches(set_id);
`,
  },
  {
    version: 7,
    name: 'what each source held when it was claimed, to recognise an export already ingested',
    sql: `
-- A folder's file list digest ('files-sha256:<hex>' over the relative paths and sizes, in the
-- walk's fixed order) or a single file's SHA-256 ('sha256:<hex>', where it was read up front),
-- and the files and bytes the counting scan found. A copy of an export at another path is then
-- recognised (see src/core/ingest/already.ts). NULL on sources claimed before this migration.
ALTER TABLE sources ADD COLUMN fingerprint TEXT;
ALTER TABLE sources ADD COLUMN scan_files INTEGER;
ALTER TABLE sources ADD COLUMN scan_bytes INTEGER;
`,
  },
  {
    version: 8,
    name: 'catalogue leaves committed by ingest events; the case recovery code',
    sql: `
-- One entry per catalogued item, written with the ingest event (ingest.finished/interrupted) whose
-- details commit the digest of the source's rows (src/core/custody/catalogueDigest.ts): the item's
-- leaf hash and a check byte per field. The digest in the chained event authenticates these
-- entries, so verify can name which item and which field changed, not only that one did.
CREATE TABLE catalogue_leaves (
  item_id     INTEGER PRIMARY KEY,
  source_id   INTEGER NOT NULL,
  entry       BLOB NOT NULL
);

-- The recovery code shown once to the case's first admin (to unlock their account when every
-- admin is locked out): only its scrypt verifier is kept (JSON: kdf parameters, salt, verifier).
CREATE TABLE case_recovery (
  officer     TEXT PRIMARY KEY,
  secret      TEXT NOT NULL,
  created_at  TEXT NOT NULL
);
`,
  },
  {
    version: 9,
    name: 'signed session records; custody events by action',
    sql: `
-- The running signature of each session (src/core/custody/attribution.ts): the officer's key
-- signs "my events from from_seq up to seq, whose head is head_hash" after every event the
-- session records, so a session cut short by a crash or power cut still proves who made its
-- events. One row per session, overwritten as the session goes on; a row rolled back or
-- deleted only takes proof away, which verify then reports.
CREATE TABLE session_heads (
  officer     TEXT NOT NULL,
  from_seq    INTEGER NOT NULL,
  seq         INTEGER NOT NULL,
  head_hash   TEXT NOT NULL,
  at_utc      TEXT NOT NULL,
  public_key  TEXT NOT NULL,
  statement   TEXT NOT NULL,
  signature   TEXT NOT NULL,
  PRIMARY KEY (officer, from_seq)
);

-- Verification and sign-in look events up by action (officer.added, witnesses, sign-ins).
CREATE INDEX custody_events_action ON custody_events(action, officer);
`,
  },
  {
    version: 10,
    name: 'how each exhibit was extracted, from its extraction report',
    sql: `
-- Filled from an extraction report (a UFDR's report.xml) when the exhibit's field is empty, with
-- the custody event exhibit.device-reported (src/core/exhibits/deviceFacts.ts): e.g. "Full File
-- System", "UFED 4PC", "7.69.0.123". NULL on exhibits no report described.
ALTER TABLE exhibits ADD COLUMN extraction_type TEXT;
ALTER TABLE exhibits ADD COLUMN extraction_tool TEXT;
ALTER TABLE exhibits ADD COLUMN extraction_tool_version TEXT;
`,
  },
  {
    version: 11,
    name: 'text kept once, indexed in a stage of its own',
    sql: `
-- The text of each item (NFKC-normalised, with INDEX_SENTINEL appended; src/core/text/store.ts),
-- kept once in a plain table, written by the text stage; text_index becomes an external-content
-- FTS5 index over it (same trigram tokenizer, same detail, so every search gives what it gave),
-- built by the index stage afterwards. item_text.indexed says which items the index holds, so
-- an index stage cut short (kill -9) resumes where it stopped.
CREATE TABLE text_content (
  item_id     INTEGER PRIMARY KEY REFERENCES items(id),
  text        TEXT NOT NULL
);
INSERT INTO text_content (item_id, text) SELECT rowid, text FROM text_index;
DROP TABLE text_index;
CREATE VIRTUAL TABLE text_index USING fts5(text, tokenize='trigram', content='text_content', content_rowid='item_id');
INSERT INTO text_index (text_index) VALUES ('rebuild');
ALTER TABLE item_text ADD COLUMN indexed INTEGER NOT NULL DEFAULT 0;
UPDATE item_text SET indexed = 1;
CREATE INDEX item_text_unindexed ON item_text(item_id) WHERE indexed = 0;
`,
  },
  {
    version: 12,
    name: 'catalogue counters kept by the writer',
    // The navigation's counts as counters kept by triggers in the same transaction as the rows,
    // filled here from the rows of an existing case (src/core/catalogue/counts.ts).
    sql: countsSql(),
  },
];

export const latestVersion = Math.max(...migrations.map((m) => m.version));
