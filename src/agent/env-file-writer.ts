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
 *
 * At start the writer removes temporary files an agent killed mid-write
 * left beside the target (each holds every secret), and takes a regular
 * file of its own user found at the path as what was last written, so a
 * restarted agent leaves an identical file alone.
 *
 * Limitation: two agents writing the same file would remove each other's
 * temporary files at start; one of their writes then fails and is retried.
 */
import { randomBytes } from "node:crypto";
import { constants, type Stats } from "node:fs";
import {
  type FileHandle,
  open,
  readdir,
  rename,
  unlink,
} from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { SecretsError } from "../shared/errors.js";
import { Redacted } from "../shared/redacted.js";

/**
 * Largest file taken over at start, in bytes: an algorithm's secrets are
 * at most 1 MiB, and quoting can make them up to four times longer.
 */
const MAX_ADOPTED_BYTES = 8 * 1024 * 1024;

/** Random bytes in a temporary file's name (12 hex digits). */
const TEMP_NAME_BYTES = 6;

/**
 * Opens without following a link and without waiting for a FIFO's
 * writer: something planted at the path must not block the agent.
 */
const READ_FLAGS =
  constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;

export interface EnvFileWriterOptions {
  /** Absolute path of the env file. */
  path: string;
  /** Permission bits of the file, e.g. 0o440. */
  mode: number;
  /** Group id to give the file; the process's own group when absent. */
  gid?: number;
  /**
   * Called with the folder before each write; throws to refuse it. The
   * agent checks that the folder is still in memory: one removed and
   * made again may now be on disk.
   */
  checkFolder?: (dir: string) => Promise<void>;
}

/** What one call did: wrote a new file, or found nothing to do. */
export type WriteOutcome = "written" | "unchanged";

/** What {@link EnvFileWriter.start} found beside and at the path. */
export interface StartReport {
  /** Leftover temporary files of this target that were removed. */
  removedTempCount: number;
  /** True when a file of ours was found and taken as last written. */
  isAdopted: boolean;
}

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

  /**
   * True once the file holds content this writer knows: written by it,
   * or found at {@link start}.
   */
  get hasContent(): boolean {
    return this.#lastContent !== undefined;
  }

  /** The content last written or found at start, if any. */
  get lastContent(): Redacted<string> | undefined {
    return this.#lastContent;
  }

  /**
   * Removes our leftover temporary files, then takes the file at the
   * path, if it is a regular file of this user, as last written. Its mode
   * and group are put right at once if they differ.
   */
  start(): Promise<StartReport> {
    return this.#enqueue(async () => {
      const removedTempCount = await this.#removeLeftovers();
      const found = await readRegularFile(this.path, MAX_ADOPTED_BYTES);
      if (!found || found.stat.uid !== process.geteuid?.()) {
        return { removedTempCount, isAdopted: false };
      }
      this.#lastContent = found.content;
      this.#lastOwnership = this.#expectedOwnership(found.stat);
      // A failure here is the caller's to report; the state stays right
      // (content known, mode or group not yet), so a restore retries.
      if (!this.#hasExpectedStat(found.stat)) {
        await this.#replace(found.content);
      }
      return { removedTempCount, isAdopted: true };
    });
  }

  /** Writes `content` unless it is what was last written. */
  write(content: Redacted<string>): Promise<WriteOutcome> {
    return this.#enqueue(async () => {
      if (this.#lastContent?.reveal() === content.reveal()) return "unchanged";
      await this.#replace(content);
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
      const expected = this.#lastContent;
      if (expected === undefined) return "unchanged";
      if (await this.#isIntact(expected.reveal())) return "unchanged";
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
    const maxBytes = Buffer.byteLength(expected, "utf8");
    const found = await readRegularFile(this.path, maxBytes);
    if (!found || !this.#hasExpectedStat(found.stat)) return false;
    return found.content.reveal() === expected;
  }

  /** The owner we are and the group we give (or the file's, if none). */
  #expectedOwnership(stat: Stats): Ownership {
    return { uid: stat.uid, gid: this.#options.gid ?? stat.gid };
  }

  #hasExpectedStat(stat: Stats): boolean {
    const written = this.#lastOwnership;
    if ((stat.mode & 0o7777) !== this.#options.mode) return false;
    return stat.uid === written?.uid && stat.gid === written.gid;
  }

  /** Removes `.<base>.<hex>.tmp` files: ours, left by a killed agent. */
  async #removeLeftovers(): Promise<number> {
    const dir = dirname(this.path);
    const pattern = tempNamePattern(basename(this.path));
    // An unreadable folder shows up as a failed write, with its reason.
    const names = await readdir(dir).catch(() => []);
    let removedCount = 0;
    for (const name of names) {
      if (!pattern.test(name)) continue;
      const isRemoved = await unlink(join(dir, name)).then(
        () => true,
        () => false,
      );
      if (isRemoved) removedCount += 1;
    }
    return removedCount;
  }

  /** Replaces the file; on success the writer's state matches the disk. */
  async #replace(content: Redacted<string>): Promise<void> {
    const dir = dirname(this.path);
    await this.#options.checkFolder?.(dir);
    const tempPath = join(dir, tempName(basename(this.path)));
    try {
      const ownership = await this.#writeTemp(tempPath, content.reveal());
      await rename(tempPath, this.path);
      this.#lastOwnership = ownership;
      this.#lastContent = content;
    } catch (error) {
      await unlink(tempPath).catch(() => undefined);
      throw writeError(this.path, error);
    }
    // The rename has happened and readers see the new file, so the write
    // stands even if this fsync fails: it only makes the rename survive a
    // power cut, and on tmpfs nothing survives one anyway.
    await syncFolder(dir).catch(() => undefined);
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

/** `.<base>.<12 hex digits>.tmp`, hidden and beside the target. */
function tempName(base: string): string {
  return `.${base}.${randomBytes(TEMP_NAME_BYTES).toString("hex")}.tmp`;
}

/** Matches exactly the names {@link tempName} makes for `base`. */
function tempNamePattern(base: string): RegExp {
  const escaped = base.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const hexDigits = TEMP_NAME_BYTES * 2;
  return new RegExp(`^\\.${escaped}\\.[0-9a-f]{${hexDigits}}\\.tmp$`);
}

/**
 * A regular file's content and stat, or undefined when the path is
 * missing, unreadable, a link, a FIFO or anything else, or larger than
 * `maxBytes`.
 */
async function readRegularFile(
  path: string,
  maxBytes: number,
): Promise<{ content: Redacted<string>; stat: Stats } | undefined> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(path, READ_FLAGS);
    const stat = await handle.stat();
    if (!stat.isFile() || stat.size > maxBytes) return undefined;
    return { content: new Redacted(await handle.readFile("utf8")), stat };
  } catch {
    return undefined;
  } finally {
    await handle?.close();
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
