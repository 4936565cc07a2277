/**
 * Puts the env file back from memory when someone deletes or edits it.
 * Every event on the file asks the writer to restore; the writer compares
 * with what it last wrote, inside its queue, so our own writes cost one
 * read and nothing more. Events on other files in the folder (our own
 * temporary files among them) are ignored, so that a write's temporary
 * file does not queue reads in front of the next write.
 */
import { resolve } from "node:path";
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
    const { path } = this.#options.writer;
    this.#watch = watchFileFolder(path, (changedPath) => {
      if (resolve(changedPath) === path) void this.check();
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
