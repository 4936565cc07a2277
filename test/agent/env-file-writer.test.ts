import {
  chmodSync,
  chownSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { EnvFileWriter } from "../../src/agent/env-file-writer.js";
import { Redacted } from "../../src/shared/redacted.js";
import { tmpfsDir } from "../helpers/tmpfs.js";

const content = (text: string) => new Redacted(text);

const root = tmpfsDir("as-writer-");

function newWriter(options: { mode?: number; gid?: number } = {}) {
  const dir = mkdtempSync(join(root, "case-"));
  const path = join(dir, "secrets.env");
  const writer = new EnvFileWriter({
    path,
    mode: options.mode ?? 0o440,
    gid: options.gid,
  });
  return { dir, path, writer };
}

describe("EnvFileWriter", () => {
  describe("on the first write", () => {
    it("creates the file with the content and the exact mode", async () => {
      const { path, writer } = newWriter({ mode: 0o460 });
      const previousUmask = process.umask(0o077);
      try {
        expect(await writer.write(content("export A='1'\n"))).toBe("written");
      } finally {
        process.umask(previousUmask);
      }
      expect(readFileSync(path, "utf8")).toBe("export A='1'\n");
      expect(statSync(path).mode & 0o777).toBe(0o460);
    });

    it("leaves no temporary file behind", async () => {
      const { dir, writer } = newWriter();
      await writer.write(content("x\n"));
      expect(readdirSync(dir)).toEqual(["secrets.env"]);
    });
  });

  describe("when the content is identical", () => {
    it("skips the write, keeping inode and mtime", async () => {
      const { path, writer } = newWriter();
      await writer.write(content("same\n"));
      const before = statSync(path, { bigint: true });
      for (let i = 0; i < 10; i += 1) {
        expect(await writer.write(content("same\n"))).toBe("unchanged");
      }
      const after = statSync(path, { bigint: true });
      expect(after.ino).toBe(before.ino);
      expect(after.mtimeNs).toBe(before.mtimeNs);
    });
  });

  describe("when the content changes", () => {
    it("replaces the file by rename (new inode), mode and group held", async () => {
      const gid = 65_534;
      const { path, writer } = newWriter({ gid });
      await writer.write(content("one\n"));
      const before = statSync(path);
      await writer.write(content("two\n"));
      const after = statSync(path);
      expect(readFileSync(path, "utf8")).toBe("two\n");
      expect(after.ino).not.toBe(before.ino);
      expect(after.mode & 0o777).toBe(0o440);
      expect(after.gid).toBe(gid);
    });
  });

  describe("when someone deletes or edits the file", () => {
    it("restores the last written content", async () => {
      const { path, writer } = newWriter({ mode: 0o640 });
      await writer.write(content("kept\n"));
      unlinkSync(path);
      expect(await writer.restore()).toBe("written");
      expect(readFileSync(path, "utf8")).toBe("kept\n");
      writeFileSync(path, "tampered\n");
      expect(await writer.restore()).toBe("written");
      expect(readFileSync(path, "utf8")).toBe("kept\n");
    });

    it("puts back a mode or group someone changed", async () => {
      const gid = 65_534;
      const { path, writer } = newWriter({ gid });
      await writer.write(content("kept\n"));
      chmodSync(path, 0o644);
      expect(await writer.restore()).toBe("written");
      expect(statSync(path).mode & 0o7777).toBe(0o440);
      chownSync(path, -1, 0);
      expect(await writer.restore()).toBe("written");
      expect(statSync(path).gid).toBe(gid);
      expect(readFileSync(path, "utf8")).toBe("kept\n");
    });

    it("checks once for a burst of calls, reporting one restore", async () => {
      const { path, writer } = newWriter();
      await writer.write(content("kept\n"));
      unlinkSync(path);
      const outcomes = await Promise.all([
        writer.restore(),
        writer.restore(),
        writer.restore(),
      ]);
      expect(outcomes).toEqual(["written", "unchanged", "unchanged"]);
      expect(readFileSync(path, "utf8")).toBe("kept\n");
    });

    it("does nothing when the file is intact", async () => {
      const { path, writer } = newWriter();
      await writer.write(content("kept\n"));
      const before = statSync(path).ino;
      expect(await writer.restore()).toBe("unchanged");
      expect(statSync(path).ino).toBe(before);
    });
  });

  describe("when the folder does not exist", () => {
    it("fails with FAILED_PRECONDITION and writes nothing", async () => {
      const writer = new EnvFileWriter({
        path: "/dev/shm/as-missing-folder/x/secrets.env",
        mode: 0o440,
      });
      await expect(writer.write(content("x\n"))).rejects.toMatchObject({
        code: "FAILED_PRECONDITION",
      });
      expect(writer.hasWritten).toBe(false);
    });
  });
});
