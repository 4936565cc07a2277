/**
 * An exclusive lock on a file that the kernel drops when its holder dies,
 * however it dies: SQLite's own exclusive lock, held by an open
 * transaction on an otherwise empty database file. A crash leaves no
 * stale lock to detect or clean up.
 *
 * Limitation: it is a POSIX advisory lock, which some network file
 * systems (NFS without a lock daemon) do not enforce across machines.
 */
import Database from "better-sqlite3";

/** A held lock; `release` is idempotent. */
export interface FileLock {
  release(): void;
}

/**
 * Takes the lock on `path` (created when missing), waiting up to `waitMs`
 * for another holder; undefined when it still holds it then. An error
 * opening the file is thrown as it comes.
 */
export function takeFileLock(
  path: string,
  waitMs: number,
): FileLock | undefined {
  const db = new Database(path, { timeout: waitMs });
  try {
    db.exec("BEGIN EXCLUSIVE");
  } catch (error) {
    db.close();
    if ((error as { code?: string }).code === "SQLITE_BUSY") return undefined;
    throw error;
  }
  return {
    release: () => {
      if (db.open) db.close();
    },
  };
}
