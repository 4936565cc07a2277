import { statfsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  checkMemoryFs,
  describeFsType,
  RAMFS_MAGIC,
  requireMemoryFs,
  TMPFS_MAGIC,
} from "../../src/agent/tmpfs-check.js";
import { tmpfsDir } from "../helpers/tmpfs.js";

/** A folder on the root filesystem, when that is not in memory. */
function diskDir(): string | undefined {
  const type = statfsSync("/var/tmp").type;
  return type === TMPFS_MAGIC || type === RAMFS_MAGIC ? undefined : "/var/tmp";
}

const scratch = tmpfsDir();

describe("requireMemoryFs", () => {
  describe("on tmpfs", () => {
    it("accepts the folder", async () => {
      const check = await requireMemoryFs(scratch, false);
      expect(check.isInMemory).toBe(true);
    });
  });

  describe.skipIf(diskDir() === undefined)("on a disk filesystem", () => {
    it("refuses with FAILED_PRECONDITION naming the file setting", async () => {
      await expect(
        requireMemoryFs(diskDir() as string, false),
      ).rejects.toMatchObject({ code: "FAILED_PRECONDITION", field: "file" });
    });

    it("accepts with the override and reports the filesystem type", async () => {
      const check = await requireMemoryFs(diskDir() as string, true);
      expect(check).toMatchObject({
        isInMemory: false,
        fsType: expect.stringMatching(/^\S+ \(0x[0-9a-f]+\)$/),
      });
    });
  });

  describe("naming a filesystem type", () => {
    it("gives the name and the number for a known type", () => {
      expect(describeFsType(0xef53)).toBe("ext2/3/4 (0xef53)");
      expect(describeFsType(0x794c7630)).toBe("overlayfs (0x794c7630)");
    });

    it("gives the number for an unknown type", () => {
      expect(describeFsType(0x1234)).toBe("unknown (0x1234)");
    });
  });

  describe("for a folder that does not exist", () => {
    it("fails with FAILED_PRECONDITION", async () => {
      await expect(
        checkMemoryFs("/dev/shm/as-nope/none"),
      ).rejects.toMatchObject({
        code: "FAILED_PRECONDITION",
      });
    });
  });
});
