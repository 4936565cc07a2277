/**
 * From the cached snapshot to the file on disk: render in the chosen
 * dialect, hand to the writer (which skips identical content), then
 * record the outcome and notify the algorithm of every new content
 * except the very first file, which nothing has read yet. A file left by
 * a previous run of the agent counts as read: replacing it with other
 * content sends a reload, and identical content is not written at all.
 * Changes are debounced so a burst gives one write.
 */
import { SecretsError } from "../shared/errors.js";
import type { Logger } from "../shared/logger.js";
import { Redacted } from "../shared/redacted.js";
import type { AgentMetrics } from "./agent-metrics.js";
import type { AgentStatus } from "./agent-status.js";
import type { Clock } from "./clock.js";
import { Coalescer } from "./coalescer.js";
import type { Dialect } from "./dialects/dialect.js";
import { renderEnvFile } from "./dialects/render-env-file.js";
import type { EnvFileWriter } from "./env-file-writer.js";
import type { ReloadNotifier } from "./reload-notifier.js";
import type { SnapshotCache } from "./snapshot-cache.js";

export interface FilePublisherOptions {
  cache: SnapshotCache;
  writer: EnvFileWriter;
  dialect: Dialect;
  isSkippingUnrepresentable: boolean;
  debounceMs: number;
  status: AgentStatus;
  metrics: AgentMetrics;
  notifier: ReloadNotifier;
  logger: Logger;
  /** For the times in status. */
  clock: Clock;
  /** Called after each write with new content. */
  onWritten?: (revision: number) => void;
}

export class FilePublisher {
  readonly #options: FilePublisherOptions;
  readonly #coalescer: Coalescer;

  constructor(options: FilePublisherOptions) {
    this.#options = options;
    this.#coalescer = new Coalescer({
      maxWaitMs: options.debounceMs,
      run: () => this.#publish(),
    });
  }

  /**
   * Notes that the cache changed. The first file is written at once,
   * since nothing is served before it; later changes are debounced.
   */
  changed(): void {
    if (this.#options.writer.hasContent) this.#coalescer.schedule();
    else void this.#coalescer.flush();
  }

  stop(): void {
    this.#coalescer.cancel();
  }

  async #publish(): Promise<void> {
    const { cache, writer, status, metrics, logger, clock } = this.#options;
    const snapshot = cache.current();
    if (!snapshot) return;
    // Checked before the write: a file nobody has read needs no reload.
    const isFirst = !writer.hasContent;
    try {
      const rendered = renderEnvFile({
        dialect: this.#options.dialect,
        algorithm: snapshot.algorithm,
        revision: snapshot.revision,
        secrets: snapshot.secrets.map((secret) => ({
          envName: secret.envName,
          value: secret.value.reveal(),
        })),
        isSkippingUnrepresentable: this.#options.isSkippingUnrepresentable,
      });
      const outcome = await writer.write(new Redacted(rendered.content));
      status.algorithm = snapshot.algorithm;
      status.revision = snapshot.revision;
      status.envNames = snapshot.secrets.map((secret) => secret.envName);
      status.skippedNames = rendered.skippedNames;
      metrics.revision.set(snapshot.revision);
      status.hasFile = true;
      if (outcome === "unchanged") return;

      status.lastWriteAtMs = clock.now();
      metrics.writes.inc();
      const skippedCount = rendered.skippedNames.length;
      logger.info(
        {
          revision: snapshot.revision,
          path: writer.path,
          envCount: status.envNames.length - skippedCount,
          skippedCount,
        },
        "file written",
      );
      if (skippedCount > 0) {
        logger.warn(
          { revision: snapshot.revision, skippedNames: rendered.skippedNames },
          "values the format cannot carry were left out (--skip-unrepresentable)",
        );
      }
      this.#options.onWritten?.(snapshot.revision);
      if (!isFirst) void this.#options.notifier.notify(snapshot.revision);
    } catch (thrown) {
      const error = SecretsError.from(thrown);
      const { code, field } = error;
      status.noteError({ code, source: "file", field, atMs: clock.now() });
      metrics.failures.inc({ code });
      logger.error(
        { code, field, revision: snapshot.revision },
        "file not written",
      );
      // Our own messages name a variable or a path, never a value.
      logger.debug({ code, field, detail: error.message }, "file error detail");
    }
  }
}
