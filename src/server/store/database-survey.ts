/**
 * A look into a database file before the server opens it, for dev mode:
 * which KEKs its values are sealed under (so a state folder whose KEK
 * file went missing is refused instead of served), and which env names
 * an algorithm holds (so the dev guide suggests `update` over `create`).
 * Reads only; never creates the file or its schema.
 */
import { existsSync } from "node:fs";
import Database from "better-sqlite3";
import { SecretsError } from "../../shared/errors.js";

/** What {@link surveyDatabase} found; all empty when there is no file. */
export interface DatabaseSurvey {
  /** Ids of the KEKs that wrap the stored data keys, sorted. */
  kekIds: string[];
  /** Env names stored for the algorithm asked about, sorted. */
  envNames: string[];
}

/** Surveys the database at `path`, naming `algorithm`'s env names. */
export function surveyDatabase(
  path: string,
  algorithm: string,
): DatabaseSurvey {
  if (!existsSync(path)) return { kekIds: [], envNames: [] };
  let db: Database.Database | undefined;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
    return hasSecretsTable(db)
      ? readSurvey(db, algorithm)
      : { kekIds: [], envNames: [] };
  } catch (error) {
    throw new SecretsError(
      "FAILED_PRECONDITION",
      `state-dir: cannot read database ${path}`,
      { field: "state-dir", cause: error },
    );
  } finally {
    db?.close();
  }
}

function readSurvey(db: Database.Database, algorithm: string): DatabaseSurvey {
  const kekIds = db
    .prepare("SELECT DISTINCT kek_id FROM secrets ORDER BY kek_id")
    .pluck()
    .all() as string[];
  const envNames = db
    .prepare(
      "SELECT env_name FROM secrets WHERE algorithm = ? ORDER BY env_name",
    )
    .pluck()
    .all(algorithm) as string[];
  return { kekIds, envNames };
}

function hasSecretsTable(db: Database.Database): boolean {
  const row = db
    .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?")
    .get("secrets");
  return row !== undefined;
}
