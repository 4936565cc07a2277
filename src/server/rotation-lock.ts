/**
 * One KEK rotation at a time per KEK file. A rotation reads the file,
 * adds a key and renames a new file over the old one; two at once would
 * each add a key, one rename would win, and data keys re-wrapped under
 * the losing key would be unreadable for good.
 *
 * The lock is a {@link takeFileLock} lock on `<kek-file>.lock`, so a
 * crashed rotation leaves no stale lock. It is a lock of its own, not the
 * server's state-folder lock, so that `rotate-kek` still runs beside a
 * live server (which only reads the KEK file).
 *
 * Limitation: two hosts rotating one KEK file on a network file system
 * that does not enforce POSIX locks are not stopped.
 */
import { SecretsError } from "../shared/errors.js";
import { type FileLock, takeFileLock } from "./file-lock.js";

/**
 * How long a rotation waits for one already running, in ms: a minute,
 * far longer than re-wrapping a large store takes, so a second run
 * started by mistake waits its turn instead of failing.
 */
export const ROTATION_LOCK_WAIT_MS = 60_000;

/** Where the lock for `kekFile` lives. */
export function rotationLockPath(kekFile: string): string {
  return `${kekFile}.lock`;
}

/**
 * Takes the rotation lock of `kekFile`, waiting up to `waitMs` for a
 * rotation in progress; FAILED_PRECONDITION when it does not end in time
 * or the lock file cannot be opened.
 */
export function lockKekRotation(
  kekFile: string,
  waitMs = ROTATION_LOCK_WAIT_MS,
): FileLock {
  const path = rotationLockPath(kekFile);
  let lock: FileLock | undefined;
  try {
    lock = takeFileLock(path, waitMs);
  } catch (error) {
    throw new SecretsError(
      "FAILED_PRECONDITION",
      `kek-file: cannot open ${path}`,
      { field: "kek-file", cause: error },
    );
  }
  if (lock) return lock;
  throw new SecretsError(
    "FAILED_PRECONDITION",
    `kek-file: another rotation of ${kekFile} held ${path} for ` +
      `${waitMs} ms; try again when it ends`,
    { field: "kek-file" },
  );
}
