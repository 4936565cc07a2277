import {
  linkSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { writePrivateFile } from "../../src/shared/private-file.js";
import { tmpfsDir } from "../helpers/tmpfs.js";

const CANARY = "canary-private-file-7c41";

const modeOf = (path: string) => statSync(path).mode & 0o777;

function codeOf(action: () => unknown): string | undefined {
  try {
    action();
    return undefined;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code;
  }
}

describe("writePrivateFile", () => {
  describe("when no file exists", () => {
    const dir = tmpfsDir("as-private-new-");
    const path = join(dir, "secret.key");
    writePrivateFile(path, CANARY);

    it("writes the bytes with mode 0600 and leaves nothing else", () => {
      expect(readFileSync(path, "utf8")).toBe(CANARY);
      expect(modeOf(path)).toBe(0o600);
      expect(readdirSync(dir)).toEqual(["secret.key"]);
    });
  });

  describe("when an older file has a looser mode", () => {
    const dir = tmpfsDir("as-private-loose-");
    const path = join(dir, "secret.key");
    const oldInode = join(dir, "old-inode");
    writeFileSync(path, "old", { mode: 0o644 });
    // A second name for the old file shows what its inode ever held.
    linkSync(path, oldInode);
    writePrivateFile(path, CANARY);

    it("replaces it with a 0600 file", () => {
      expect(readFileSync(path, "utf8")).toBe(CANARY);
      expect(modeOf(path)).toBe(0o600);
    });

    it("never puts the new bytes into the loose file", () => {
      expect(readFileSync(oldInode, "utf8")).toBe("old");
      expect(modeOf(oldInode)).toBe(0o644);
    });
  });

  describe("when exclusive and the file exists", () => {
    const dir = tmpfsDir("as-private-excl-");
    const path = join(dir, "kek.json");
    writeFileSync(path, "first", { mode: 0o600 });

    it("fails with EEXIST, keeps the file and leaves no temporary", () => {
      const write = () => writePrivateFile(path, CANARY, { isExclusive: true });
      expect(codeOf(write)).toBe("EEXIST");
      expect(readFileSync(path, "utf8")).toBe("first");
      expect(readdirSync(dir)).toEqual(["kek.json"]);
    });
  });

  describe("when exclusive and no file exists", () => {
    const dir = tmpfsDir("as-private-excl-new-");
    const path = join(dir, "kek.json");

    it("creates it with mode 0600 and leaves no temporary", () => {
      writePrivateFile(path, CANARY, { isExclusive: true });
      expect(readFileSync(path, "utf8")).toBe(CANARY);
      expect(modeOf(path)).toBe(0o600);
      expect(readdirSync(dir)).toEqual(["kek.json"]);
    });
  });

  describe("when the move into place fails", () => {
    const dir = tmpfsDir("as-private-fail-");
    // A folder in the way: the temporary file is written, the rename fails.
    const path = join(dir, "token");
    mkdirSync(path);

    it("rethrows the system's code and removes the temporary file", () => {
      expect(codeOf(() => writePrivateFile(path, CANARY))).toBe("EISDIR");
      expect(readdirSync(dir)).toEqual(["token"]);
      expect(readdirSync(path)).toEqual([]);
    });
  });

  describe("when the folder does not exist", () => {
    const dir = tmpfsDir("as-private-nodir-");

    it("fails with ENOENT", () => {
      const path = join(dir, "missing", "token");
      expect(codeOf(() => writePrivateFile(path, CANARY))).toBe("ENOENT");
    });
  });
});
