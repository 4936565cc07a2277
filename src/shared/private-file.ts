/**
 * The one way this package writes a file that holds a key or a token:
 * readable by the owner only from its first byte, never half-written
 * under its real name, and on disk before the call returns.
 *
 * The bytes go to a fresh temporary file in the target's folder, made
 * with O_CREAT|O_EXCL and mode 0600 (then fchmod 0600, since a umask can
 * only take bits away and the mode must not depend on it). It is written,
 * fsynced, and moved into place: by rename, or, when the target must not
 * be replaced, by link(), which fails with EEXIST instead of overwriting.
 * Then the folder is fsynced, so the new name survives a power cut. On
 * any failure the temporary file is removed and the error rethrown as the
 * system gave it (its `code`, such as EEXIST or EACCES, is for callers to
 * map).
 *
 * Limitation: a process killed between creating and moving the temporary
 * file (SIGKILL, power loss) leaves it behind as `.NAME.PID.RANDOM.tmp`,
 * mode 0600, beside the target; it is as well protected as the target
 * itself but is not cleaned up automatically.
 *
 * Limitation: the exclusive form needs a file system with hard links
 * (every local Linux file system and NFS have them; vfat does not).
 */
import { randomBytes } from "node:crypto";
import {
  closeSync,
  constants,
  fchmodSync,
  fsyncSync,
  linkSync,
  openSync,
  renameSync,
  rmSync,
  writeSync,
} from "node:fs";
import { basename, dirname, join } from "node:path";

/** Mode of every private file: owner read and write only. */
export const PRIVATE_FILE_MODE = 0o600;

/** How {@link writePrivateFile} places the file. */
export interface PrivateFileOptions {
  /**
   * Fail with EEXIST rather than replace an existing file. Default false:
   * an existing file is replaced atomically.
   */
  isExclusive?: boolean;
}

/** Writes `data` to `path` as described in this module's comment. */
export function writePrivateFile(
  path: string,
  data: string | Uint8Array,
  options: PrivateFileOptions = {},
): void {
  const temporary = temporaryPathFor(path);
  try {
    writeAndSync(temporary, data);
    if (options.isExclusive) {
      linkSync(temporary, path);
      rmSync(temporary);
    } else {
      renameSync(temporary, path);
    }
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
  syncFolder(dirname(path));
}

/**
 * A name in the target's own folder (rename and link work only within
 * one file system), hidden, and unique per process and call.
 */
function temporaryPathFor(path: string): string {
  const unique = `${process.pid}.${randomBytes(4).toString("hex")}`;
  return join(dirname(path), `.${basename(path)}.${unique}.tmp`);
}

function writeAndSync(path: string, data: string | Uint8Array): void {
  const flags = constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY;
  const fd = openSync(path, flags, PRIVATE_FILE_MODE);
  try {
    fchmodSync(fd, PRIVATE_FILE_MODE);
    const bytes = typeof data === "string" ? Buffer.from(data) : data;
    let written = 0;
    while (written < bytes.byteLength) {
      written += writeSync(fd, bytes, written);
    }
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Makes a rename or link in `dir` durable. */
function syncFolder(dir: string): void {
  const fd = openSync(dir, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
