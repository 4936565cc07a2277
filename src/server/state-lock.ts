/**
 * One server per state folder. Two servers on one database would each
 * cache revisions and snapshots the other does not see, so agents would
 * get stale or flapping answers; the second server refuses to start.
 *
 * The lock is SQLite's own exclusive lock on `server.lock`, held by an
 * open transaction: the kernel drops it when the process dies however it
 * dies, so there is no stale lock to detect or clean up, and a restart
 * right after a crash just works. The holder's pid goes to `server.pid`
 * beside it, for the refusal message only. `rotate-kek` does not take
 * the lock: it is made to run next to a live server.
 *
 * Limitation: the lock is a POSIX advisory lock, which some network file
 * systems (NFS without a lock daemon) do not enforce across machines; two
 * servers on different hosts sharing such a folder are not stopped.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import Database from "better-sqlite3";
import { SecretsError } from "../shared/errors.js";

/** Name of the lock file inside the state folder. */
export const LOCK_FILE = "server.lock";

/** Name of the file that names the lock holder's pid. */
export const PID_FILE = "server.pid";

/** A held lock; `release` is idempotent. */
export interface StateLock {
  release(): void;
}

/** Takes the lock on `dir`, or throws FAILED_PRECONDITION naming the holder. */
export function lockStateDir(dir: string): StateLock {
  const root = resolve(dir);
  const pidPath = join(root, PID_FILE);
  if (!existsSync(root)) {
    throw new SecretsError(
      "FAILED_PRECONDITION",
      `state-dir: ${root} does not exist; create it with ` +
        "secrets-server init --state-dir DIR (or use --dev)",
      { field: "state-dir" },
    );
  }
  let db: Database.Database;
  try {
    db = new Database(join(root, LOCK_FILE), { timeout: 0 });
  } catch (error) {
    throw new SecretsError(
      "FAILED_PRECONDITION",
      `state-dir: cannot open ${join(root, LOCK_FILE)}`,
      { field: "state-dir", cause: error },
    );
  }
  try {
    db.exec("BEGIN EXCLUSIVE");
  } catch (error) {
    db.close();
    if ((error as { code?: string }).code !== "SQLITE_BUSY") throw error;
    throw new SecretsError(
      "FAILED_PRECONDITION",
      `state-dir: ${root} is in use by another secrets-server ` +
        `(${holderOf(pidPath)}); stop it, or give this one its own --state-dir`,
      { field: "state-dir", cause: error },
    );
  }
  writeFileSync(pidPath, `${process.pid}\n`, { mode: 0o644 });
  let isHeld = true;
  return {
    release: () => {
      if (!isHeld) return;
      isHeld = false;
      if (holderPid(pidPath) === process.pid) rmSync(pidPath, { force: true });
      db.close();
    },
  };
}

function holderOf(pidPath: string): string {
  const pid = holderPid(pidPath);
  return pid === undefined ? "pid unknown" : `pid ${pid}`;
}

function holderPid(pidPath: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(pidPath, "utf8"), 10);
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}
