/**
 * The store's SQL schema, versioned by PRAGMA user_version. MIGRATIONS[i] takes a store from version
 * i to i+1; they run at open, in one transaction, so a store is always at exactly one version.
 * Append only: a released migration never changes (old stores replay them in order).
 */

/** PRAGMA application_id of every fsfault store: 'FSFT'. Anything else is not ours. */
export const APPLICATION_ID = 0x46534654;

export const MIGRATIONS: readonly string[] = [
  // 1: the event log, its schemas, cursors and projections.
  `
  CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value ANY
  ) STRICT;

  -- Writer schemas, stored once; events name theirs by fingerprint so old rows stay decodable.
  CREATE TABLE schemas (
    fingerprint TEXT PRIMARY KEY,
    text        TEXT NOT NULL,
    added_at    INTEGER NOT NULL
  ) STRICT;

  -- The append-only log. offset is assigned from meta.head_offset (never reused, even when
  -- retention empties the table), so retained offsets are always the gapless range [first, head].
  CREATE TABLE events (
    offset     INTEGER PRIMARY KEY,
    stored_at  INTEGER NOT NULL,
    first_seen INTEGER NOT NULL,
    last_seen  INTEGER NOT NULL,
    kind       TEXT NOT NULL,
    device     TEXT,
    fs_type    TEXT NOT NULL,
    errno      INTEGER,
    count      INTEGER NOT NULL,
    schema_fp  TEXT NOT NULL,
    body       BLOB NOT NULL
  ) STRICT;
  CREATE INDEX events_by_time   ON events (last_seen);
  CREATE INDEX events_by_device ON events (device, last_seen);
  CREATE INDEX events_by_kind   ON events (kind, last_seen);

  -- Where each source resumes (kmsg.seq, counters.<device> ...): written with the events they produced.
  CREATE TABLE source_cursors (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
  ) STRICT;

  -- What each connector confirmed as delivered; only moves forward.
  CREATE TABLE connector_cursors (
    name       TEXT PRIMARY KEY,
    offset     INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  ) STRICT;

  -- Folded projections (fs:<key> per filesystem, host), updated in the append transaction.
  CREATE TABLE projections (
    name TEXT PRIMARY KEY,
    json TEXT NOT NULL
  ) STRICT;

  INSERT INTO meta (key, value) VALUES ('head_offset', 0), ('retention_dropped', 0);
  `,
  // 2: the store's permanent random identity (128 bits, hex). Connectors write it next to each
  // event's offset so a destination can tell this store's offsets from another store's (a
  // re-created store under the same host name starts again at offset 1). A store created by
  // version 1 gets its identity here, on its first open by a writer.
  `
  INSERT INTO meta (key, value) VALUES ('store_id', lower(hex(randomblob(16))));
  `,
  // 3: projection rows are keyed by filesystem identity (uuid, fsid, device + mount id), no longer
  // by device name. The old rows cannot be re-keyed (they mixed filesystems that shared a device),
  // so they go, and the writer folds them afresh from the retained log when it opens the store.
  `
  DELETE FROM projections;
  INSERT OR REPLACE INTO meta (key, value) VALUES ('projections_rebuild', 1);
  `,
];

export const STORE_VERSION = MIGRATIONS.length;
