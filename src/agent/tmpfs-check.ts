/**
 * Checks that the env file's folder lives in memory (tmpfs or ramfs), so
 * secrets never reach a disk, a snapshot of a disk or a backup.
 *
 * Limitation: the agent does not create or mount the folder; the
 * platform provides it as a tmpfs or ramfs mount.
 */
import { statfs } from "node:fs/promises";
import { SecretsError } from "../shared/errors.js";

/** `f_type` of tmpfs, from linux/magic.h. */
export const TMPFS_MAGIC = 0x01021994;

/** `f_type` of ramfs, from linux/magic.h. */
export const RAMFS_MAGIC = 0x858458f6;

/**
 * Names for common `f_type` values (linux/magic.h), so that a refusal says
 * "xfs (0x58465342)" rather than a bare number. ext2, ext3 and ext4 share
 * one value.
 */
const FS_NAMES: ReadonlyMap<number, string> = new Map([
  [0xef53, "ext2/3/4"],
  [0x58465342, "xfs"],
  [0x9123683e, "btrfs"],
  [0x794c7630, "overlayfs"],
  [0x2fc12fc1, "zfs"],
  [0xf2f52010, "f2fs"],
  [0x6969, "nfs"],
  [0xff534d42, "cifs"],
  [0xfe534d42, "smb2"],
  [0x00c36400, "ceph"],
  [0x01021997, "9p"],
  [0x65735546, "fuse"],
  [0x73717368, "squashfs"],
  [0x4d44, "vfat"],
  [0x2011bab0, "exfat"],
  [0x5346544e, "ntfs"],
  [0x61756673, "aufs"],
  [TMPFS_MAGIC, "tmpfs"],
  [RAMFS_MAGIC, "ramfs"],
]);

/** A filesystem type as people read it: "xfs (0x58465342)". */
export function describeFsType(type: number): string {
  const hex = `0x${type.toString(16)}`;
  const name = FS_NAMES.get(type);
  return name ? `${name} (${hex})` : `unknown (${hex})`;
}

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
  return { isInMemory: false, fsType: describeFsType(type) };
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
