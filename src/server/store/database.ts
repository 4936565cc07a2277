/**
 * The SQLite file behind the store: opening it in WAL mode and creating
 * the schema. Rows hold ciphertext, wrapped data keys and metadata only.
 */
import { chmodSync, existsSync } from "node:fs";
import Database from "better-sqlite3";
import { SecretsError } from "../../shared/errors.js";

export type SqliteDatabase = Database.Database;
export type Statement = Database.Statement;

/**
 * `algorithms` keeps each algorithm's revision even after its last secret
 * is deleted, so a revision never goes back and agents never mistake an
 * older state for a newer one.
 */
const SCHEMA = `
CREATE TABLE IF NOT EXISTS algorithms (
  algorithm TEXT PRIMARY KEY,
  revision INTEGER NOT NULL
) STRICT;

CREATE TABLE IF NOT EXISTS secrets (
  algorithm TEXT NOT NULL,
  env_name TEXT NOT NULL,
  display_name TEXT NOT NULL,
  description TEXT NOT NULL,
  version INTEGER NOT NULL,
  value_bytes INTEGER NOT NULL,
  sealed_value BLOB NOT NULL,
  wrapped_dek BLOB NOT NULL,
  kek_id TEXT NOT NULL,
  created_at_ms INTEGER NOT NULL,
  updated_at_ms INTEGER NOT NULL,
  PRIMARY KEY (algorithm, env_name)
) STRICT;
`;

/** Opens (creating when missing) the database at `path`, mode 0600. */
export function openDatabase(path: string): SqliteDatabase {
  const isNew = !existsSync(path);
  let db: SqliteDatabase;
  try {
    db = new Database(path);
  } catch (error) {
    throw new SecretsError(
      "FAILED_PRECONDITION",
      `state-dir: cannot open database ${path}`,
      { field: "state-dir", cause: error },
    );
  }
  if (isNew) chmodSync(path, 0o600);
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = FULL");
  // Overwrite freed pages, so deleted ciphertext does not linger.
  db.pragma("secure_delete = ON");
  db.exec(SCHEMA);
  return db;
}
