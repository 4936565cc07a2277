/**
 * Writes the env file atomically and only when its content changes. The
 * steps read as in the design: compare with what was last written, skip
 * if unchanged, else write a temporary file beside the target (created
 * with the final mode before any byte goes in), fsync it, rename it over
 * the target and fsync the folder. A reader therefore sees the old file or
 * the new one, never a mix, and an agent killed mid-write leaves the old.
 * All writes and restores go through one queue, so they never interleave.
 *
 * A restore puts the file back when its content, mode, owner or group is
 * not what was written (someone edited, deleted, chmod-ed or chgrp-ed it).
 */
import { randomBytes } from "node:crypto";
import { type FileHandle, open, rename, unlink } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { SecretsError } from "../shared/errors.js";
import type { Redacted } from "../shared/redacted.js";

export interface EnvFileWriterOptions {
  /** Absolute path of the env file. */
  path: string;
  /** Permission bits of the file, e.g. 0o440. */
  mode: number;
  /** Group id to give the file; the process's own group when absent. */
  gid?: number;
}

/** What one call did: wrote a new file, or found nothing to do. */
export type WriteOutcome = "written" | "unchanged";

/** Owner and group of the file as written. */
interface Ownership {
  uid: number;
  gid: number;
}

export class EnvFileWriter {
  readonly path: string;
  readonly #options: EnvFileWriterOptions;
  #lastContent: Redacted<string> | undefined;
  #lastOwnership: Ownership | undefined;
  #queue: Promise<unknown> = Promise.resolve();
  /** A restore waiting in the queue, not started yet. */
  #queuedRestore: Promise<WriteOutcome> | undefined;

  constructor(options: EnvFileWriterOptions) {
    this.path = options.path;
    this.#options = options;
  }

  /** True once a file has been written by this writer. */
  get hasWritten(): boolean {
    return this.#lastContent !== undefined;
  }

  /** Writes `content` unless it is what was last written. */
  write(content: Redacted<string>): Promise<WriteOutcome> {
    return this.#enqueue(async () => {
      if (this.#lastContent?.reveal() === content.reveal()) return "unchanged";
      await this.#replace(content.reveal());
      this.#lastContent = content;
      return "written";
    });
  }

  /**
   * Puts the last written content back if the file on disk is missing or
   * differs in content, mode, owner or group. Returns "unchanged" when the
   * file is intact or nothing was written yet. A call made while another
   * restore still waits in the queue joins that one and returns
   * "unchanged", so a burst of events costs one check, reported once.
   */
  restore(): Promise<WriteOutcome> {
    if (this.#queuedRestore) {
      return this.#queuedRestore.then(
        () => "unchanged",
        () => "unchanged",
      );
    }
    const restore = this.#enqueue(async () => {
      // The file may change after this check reads it: a later call
      // must queue a check of its own rather than join this one.
      this.#queuedRestore = undefined;
      const expected = this.#lastContent?.reveal();
      if (expected === undefined) return "unchanged";
      if (await this.#isIntact(expected)) return "unchanged";
      await this.#replace(expected);
      return "written";
    });
    this.#queuedRestore = restore;
    return restore;
  }

  #enqueue<T>(step: () => Promise<T>): Promise<T> {
    const result = this.#queue.then(step);
    this.#queue = result.catch(() => undefined);
    return result;
  }

  /** Content, mode, owner and group as written; false if unreadable. */
  async #isIntact(expected: string): Promise<boolean> {
    let handle: FileHandle | undefined;
    try {
      handle = await open(this.path, "r");
      const stat = await handle.stat();
      const written = this.#lastOwnership;
      if ((stat.mode & 0o7777) !== this.#options.mode) return false;
      if (stat.uid !== written?.uid || stat.gid !== written.gid) return false;
      return (await handle.readFile("utf8")) === expected;
    } catch {
      return false;
    } finally {
      await handle?.close();
    }
  }

  async #replace(content: string): Promise<void> {
    const dir = dirname(this.path);
    const tempPath = join(
      dir,
      `.${basename(this.path)}.${randomBytes(6).toString("hex")}.tmp`,
    );
    try {
      const ownership = await this.#writeTemp(tempPath, content);
      await rename(tempPath, this.path);
      this.#lastOwnership = ownership;
    } catch (error) {
      await unlink(tempPath).catch(() => undefined);
      throw writeError(this.path, error);
    }
    await syncFolder(dir);
  }

  async #writeTemp(tempPath: string, content: string): Promise<Ownership> {
    // O_EXCL ("wx"): never write through a file or link someone planted.
    const handle = await open(tempPath, "wx", this.#options.mode);
    try {
      await setOwnership(handle, this.#options);
      await handle.writeFile(content, "utf8");
      await handle.sync();
      const { uid, gid } = await handle.stat();
      return { uid, gid };
    } finally {
      await handle.close();
    }
  }
}

/**
 * The umask may have cleared bits of the creation mode, and the group is
 * not set at creation, so both are fixed before the first byte is written.
 */
async function setOwnership(
  handle: FileHandle,
  options: EnvFileWriterOptions,
): Promise<void> {
  await handle.chmod(options.mode);
  if (options.gid !== undefined) await handle.chown(-1, options.gid);
}

/** Makes the rename itself durable. */
async function syncFolder(dir: string): Promise<void> {
  const handle = await open(dir, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function writeError(path: string, error: unknown): SecretsError {
  const reason = (error as NodeJS.ErrnoException).code ?? "failed";
  return new SecretsError(
    "FAILED_PRECONDITION",
    `file: cannot write ${path} (${reason})`,
    { field: "file", cause: error },
  );
}
