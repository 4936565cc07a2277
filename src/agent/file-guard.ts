/**
 * Puts the env file back from memory when someone deletes or edits it, or
 * changes its mode, owner or group (a `chmod 644` would let every user in
 * the container read the secrets). Every event in the file's folder asks
 * the writer to restore; the writer compares content and stat with what
 * it last wrote, inside its queue, so our own writes and unrelated files
 * cost one read and nothing more, and a burst of events one check.
 * chokidar reports a change of mode or group only as a raw event, which
 * the watcher passes on (see file-watcher.ts).
 */
import type { Logger } from "../shared/logger.js";
import type { EnvFileWriter } from "./env-file-writer.js";
import { type FolderWatch, watchFileFolder } from "./file-watcher.js";

export interface FileGuardOptions {
  writer: EnvFileWriter;
  logger: Logger;
  /** Called after each restore, e.g. to count it. */
  onRestored?: () => void;
}

export class FileGuard {
  readonly #options: FileGuardOptions;
  #watch: FolderWatch | undefined;

  constructor(options: FileGuardOptions) {
    this.#options = options;
  }

  async start(): Promise<void> {
    this.#watch = watchFileFolder(this.#options.writer.path, () => {
      void this.check();
    });
    await this.#watch.ready;
  }

  /** Restores the file if it differs from what was written. */
  async check(): Promise<void> {
    const { writer, logger } = this.#options;
    try {
      if ((await writer.restore()) === "written") {
        logger.warn({ path: writer.path }, "file restored");
        this.#options.onRestored?.();
      }
    } catch (error) {
      logger.error(
        { path: writer.path, code: (error as { code?: string }).code },
        "file restore failed",
      );
    }
  }

  async stop(): Promise<void> {
    await this.#watch?.close();
  }
}
