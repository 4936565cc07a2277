/**
 * Checks that the env file's folder lives in memory (tmpfs or ramfs), so
 * secrets never reach a disk, a snapshot of a disk or a backup.
 */
import { statfs } from "node:fs/promises";
import { SecretsError } from "../shared/errors.js";

/** `f_type` of tmpfs, from linux/magic.h. */
export const TMPFS_MAGIC = 0x01021994;

/** `f_type` of ramfs, from linux/magic.h. */
export const RAMFS_MAGIC = 0x858458f6;

export type MemoryFsCheck =
  | { isInMemory: true }
  | { isInMemory: false; fsType: string };

/** Whether `dir` is on tmpfs or ramfs; throws if it cannot be examined. */
export async function checkMemoryFs(dir: string): Promise<MemoryFsCheck> {
  let type: number;
  try {
    type = (await statfs(dir)).type;
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? "unreadable";
    throw new SecretsError(
      "FAILED_PRECONDITION",
      `file: cannot examine the folder ${dir} (${reason})`,
      { field: "file", cause: error },
    );
  }
  if (type === TMPFS_MAGIC || type === RAMFS_MAGIC) return { isInMemory: true };
  return { isInMemory: false, fsType: `0x${type.toString(16)}` };
}

/**
 * Refuses a folder that is not in memory with a message naming the folder
 * and the override; with the override, returns the check for a warning.
 */
export async function requireMemoryFs(
  dir: string,
  isNonTmpfsAllowed: boolean,
): Promise<MemoryFsCheck> {
  const check = await checkMemoryFs(dir);
  if (check.isInMemory || isNonTmpfsAllowed) return check;
  throw new SecretsError(
    "FAILED_PRECONDITION",
    `file: the folder ${dir} is not on tmpfs or ramfs (filesystem type ` +
      `${check.fsType}); secrets would be written to disk. Mount a tmpfs ` +
      "there, or pass --allow-non-tmpfs to accept the risk",
    { field: "file" },
  );
}
