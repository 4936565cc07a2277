import { execFileSync } from "node:child_process";
import {
  chmodSync,
  chownSync,
  lstatSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
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

  describe("when someone plants a link or a FIFO at the path", () => {
    it("replaces a FIFO without waiting for a writer", async () => {
      const { path, writer } = newWriter();
      await writer.write(content("kept\n"));
      unlinkSync(path);
      execFileSync("mkfifo", ["-m", "0440", path]);
      expect(await writer.restore()).toBe("written");
      expect(lstatSync(path).isFile()).toBe(true);
      expect(readFileSync(path, "utf8")).toBe("kept\n");
    });

    it("replaces a link, even to a file just like ours", async () => {
      const { dir, path, writer } = newWriter();
      await writer.write(content("kept\n"));
      const lookalike = join(dir, "lookalike");
      writeFileSync(lookalike, "kept\n", { mode: 0o440 });
      unlinkSync(path);
      symlinkSync(lookalike, path);
      expect(await writer.restore()).toBe("written");
      expect(lstatSync(path).isFile()).toBe(true);
    });
  });

  describe("at start", () => {
    it("removes this file's leftover temporary files, and only those", async () => {
      const { dir, writer } = newWriter();
      const names = [
        ".secrets.env.0123456789ab.tmp",
        ".secrets.env.abc.tmp",
        ".secrets.env.0123456789AB.tmp",
        ".other.env.0123456789ab.tmp",
        "secrets.env.0123456789ab.tmp",
        ".secrets.env.0123456789ab.tmp.keep",
      ];
      for (const name of names) writeFileSync(join(dir, name), "x\n");
      expect(await writer.start()).toEqual({
        removedTempCount: 1,
        isAdopted: false,
      });
      expect(readdirSync(dir).sort()).toEqual(names.slice(1).sort());
    });

    it("leaves an identical file of a previous run alone", async () => {
      const { path } = newWriter();
      const previous = new EnvFileWriter({ path, mode: 0o440 });
      await previous.write(content("same\n"));
      const before = statSync(path, { bigint: true });

      const writer = new EnvFileWriter({ path, mode: 0o440 });
      expect((await writer.start()).isAdopted).toBe(true);
      expect(writer.hasContent).toBe(true);
      expect(await writer.write(content("same\n"))).toBe("unchanged");
      const after = statSync(path, { bigint: true });
      expect(after.ino).toBe(before.ino);
      expect(after.mtimeNs).toBe(before.mtimeNs);
      expect(await writer.write(content("new\n"))).toBe("written");
    });

    it("puts right the mode of a previous run's file, keeping its content", async () => {
      const { path } = newWriter();
      writeFileSync(path, "old\n", { mode: 0o600 });
      const writer = new EnvFileWriter({ path, mode: 0o440 });
      expect((await writer.start()).isAdopted).toBe(true);
      expect(statSync(path).mode & 0o777).toBe(0o440);
      expect(readFileSync(path, "utf8")).toBe("old\n");
      expect(await writer.write(content("old\n"))).toBe("unchanged");
    });

    it("takes neither a link nor a FIFO, and does not wait on the FIFO", async () => {
      const { dir, path, writer } = newWriter();
      execFileSync("mkfifo", [path]);
      expect((await writer.start()).isAdopted).toBe(false);
      unlinkSync(path);
      writeFileSync(join(dir, "target"), "x\n", { mode: 0o440 });
      symlinkSync(join(dir, "target"), path);
      expect((await writer.start()).isAdopted).toBe(false);
      expect(writer.hasContent).toBe(false);
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
      expect(writer.hasContent).toBe(false);
    });
  });
});
