/**
 * Puts the env file back from memory when someone deletes or edits it, or
 * changes its mode, owner or group (a `chmod 644` would let every user in
 * the container read the secrets). Every event in the file's folder asks
 * the writer to restore; the writer compares content and stat with what
 * it last wrote, inside its queue, so our own writes and unrelated files
 * cost one read and nothing more, and a burst of events one check.
 * chokidar reports a change of mode or group only as a raw event, which
 * the watcher passes on (see file-watcher.ts).
 *
 * A folder that is removed takes its watch with it, so the guard also
 * checks on a timer (the refresh period). A check that restores the file
 * then watches the folder afresh, which covers a folder removed and made
 * again: later edits are seen at once.
 *
 * Limitation: the agent never makes the folder, so a removed folder's
 * file comes back only once someone makes the folder again, up to one
 * refresh period later (and only on tmpfs or ramfs: the writer checks).
 */
import type { Logger } from "../shared/logger.js";
import type { EnvFileWriter } from "./env-file-writer.js";
import { type FolderWatch, watchFileFolder } from "./file-watcher.js";

export interface FileGuardOptions {
  writer: EnvFileWriter;
  logger: Logger;
  /** How often to check without an event, in milliseconds. */
  sweepMs: number;
  /** Called after each restore, e.g. to count it. */
  onRestored?: () => void;
}

export class FileGuard {
  readonly #options: FileGuardOptions;
  #watch: FolderWatch | undefined;
  #sweep: NodeJS.Timeout | undefined;

  constructor(options: FileGuardOptions) {
    this.#options = options;
  }

  async start(): Promise<void> {
    await this.#startWatch();
    this.#sweep = setInterval(
      () => void this.#sweepOnce(),
      this.#options.sweepMs,
    );
    this.#sweep.unref();
  }

  /**
   * Restores the file if it differs from what was written; resolves with
   * whether it did.
   */
  async check(): Promise<boolean> {
    const { writer, logger } = this.#options;
    try {
      if ((await writer.restore()) !== "written") return false;
      logger.warn({ path: writer.path }, "file restored");
      this.#options.onRestored?.();
      return true;
    } catch (error) {
      logger.error(
        { path: writer.path, code: (error as { code?: string }).code },
        "file restore failed",
      );
      return false;
    }
  }

  async stop(): Promise<void> {
    clearInterval(this.#sweep);
    this.#sweep = undefined;
    await this.#watch?.close();
  }

  async #sweepOnce(): Promise<void> {
    if (!(await this.check()) || this.#sweep === undefined) return;
    // The file needed the timer to come back: its watch may be gone. The
    // new watch is set before the old one closes, so `stop` closes it.
    const stale = this.#watch;
    await this.#startWatch();
    await stale?.close();
  }

  async #startWatch(): Promise<void> {
    this.#watch = watchFileFolder(this.#options.writer.path, () => {
      void this.check();
    });
    await this.#watch.ready;
  }
}
