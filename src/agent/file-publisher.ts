/**
 * From the cached snapshot to the file on disk: render in the chosen
 * dialect, hand to the writer (which skips identical content), then
 * record the outcome and notify the algorithm of every new content
 * except the very first file, which nothing has read yet. A file left by
 * a previous run of the agent counts as read: replacing it with other
 * content sends a reload, and identical content is not written at all.
 *
 * The file changes only when its names or values do: a new revision
 * that changed a display name, or set a value to what it already was,
 * leaves the file (and the revision in its header) as it is.
 *
 * Writes and reloads are gathered separately. A lone change is written
 * at once, since that is what propagation time is; a burst of changes is
 * gathered into few writes. The algorithm is notified once per burst,
 * after the burst settles, because a reload (often a restart) is what
 * costs it.
 */
import { SecretsError } from "../shared/errors.js";
import type { Logger } from "../shared/logger.js";
import { Redacted } from "../shared/redacted.js";
import type { AgentMetrics } from "./agent-metrics.js";
import type { AgentStatus } from "./agent-status.js";
import type { Clock } from "./clock.js";
import { Coalescer, LEADING_DELAY_MS } from "./coalescer.js";
import type { Dialect } from "./dialects/dialect.js";
import { EnvFileRefusal } from "./dialects/env-refusal.js";
import { revisionInHeader } from "./dialects/header-lines.js";
import {
  type RenderedEnvFile,
  renderEnvFile,
} from "./dialects/render-env-file.js";
import type { EnvFileWriter } from "./env-file-writer.js";
import type { ReloadNotifier } from "./reload-notifier.js";
import type { CachedSnapshot, SnapshotCache } from "./snapshot-cache.js";

export interface FilePublisherOptions {
  cache: SnapshotCache;
  writer: EnvFileWriter;
  dialect: Dialect;
  isSkippingUnrepresentable: boolean;
  /** Longest a burst's write and reload wait, in milliseconds (`--debounce`). */
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

/** The `reason` logged for a write that failed for want of a file. */
const WRITE_FAILED_REASON = "file cannot be written";

export class FilePublisher {
  readonly #options: FilePublisherOptions;
  readonly #writes: Coalescer;
  readonly #reloads: Coalescer;
  /** The revision named in the file's header, once known. */
  #fileRevision: number | undefined;
  #refusal: EnvFileRefusal | undefined;
  #writeFailure: SecretsError | undefined;

  constructor(options: FilePublisherOptions) {
    this.#options = options;
    this.#writes = new Coalescer({
      maxWaitMs: options.debounceMs,
      leadingDelayMs: LEADING_DELAY_MS,
      run: () => this.#publish(),
    });
    this.#reloads = new Coalescer({
      maxWaitMs: options.debounceMs,
      run: () => options.notifier.notify(this.#fileRevision ?? 0),
    });
  }

  /**
   * Notes that the cache changed. The first file is written at once,
   * since nothing is served before it; later changes are gathered.
   */
  changed(): void {
    if (this.#options.writer.hasContent) this.#writes.schedule();
    else void this.#writes.flush();
  }

  /**
   * The refusal (a reserved name, or a value the dialect cannot carry)
   * that failed the latest attempt to write the file, if that is what
   * failed it.
   */
  get refusal(): EnvFileRefusal | undefined {
    return this.#refusal;
  }

  /**
   * Why the latest attempt could not write the file (its path and errno,
   * in our own words), when that is what failed it.
   */
  get writeFailure(): SecretsError | undefined {
    return this.#writeFailure;
  }

  stop(): void {
    this.#writes.cancel();
    this.#reloads.cancel();
  }

  async #publish(): Promise<void> {
    const snapshot = this.#options.cache.current();
    if (!snapshot) return;
    // Checked before the write: a file nobody has read needs no reload.
    const isFirst = !this.#options.writer.hasContent;
    this.#refusal = undefined;
    this.#writeFailure = undefined;
    try {
      const rendered = this.#renderKeepingFile(snapshot);
      const outcome = await this.#options.writer.write(
        new Redacted(rendered.content),
      );
      this.#noteFileHolds(snapshot, rendered);
      if (outcome === "written") this.#noteWritten(snapshot, rendered);
      if (outcome === "written" && !isFirst) this.#reloads.schedule();
    } catch (thrown) {
      this.#noteFailure(snapshot, thrown);
    }
  }

  /** The file holds `snapshot`, written now or found so. */
  #noteFileHolds(snapshot: CachedSnapshot, rendered: RenderedEnvFile): void {
    const { status, metrics } = this.#options;
    status.algorithm = snapshot.algorithm;
    status.revision = snapshot.revision;
    status.envNames = rendered.envNames;
    status.skippedNames = rendered.skippedNames;
    metrics.revision.set(snapshot.revision);
    status.hasFile = true;
  }

  #noteWritten(
    snapshot: CachedSnapshot,
    rendered: RenderedEnvFile & { revision: number },
  ): void {
    const { writer, status, metrics, logger, clock } = this.#options;
    this.#fileRevision = rendered.revision;
    status.lastWriteAtMs = clock.now();
    metrics.writes.inc();
    const { envNames, skippedNames } = rendered;
    logger.info(
      {
        revision: snapshot.revision,
        path: writer.path,
        envCount: envNames.length,
        skippedCount: skippedNames.length,
      },
      "file written",
    );
    if (skippedNames.length > 0) {
      logger.warn(
        { revision: snapshot.revision, skippedNames },
        "secrets were left out (--skip-unrepresentable)",
      );
    }
    this.#options.onWritten?.(snapshot.revision);
  }

  /** Status, metrics and the log for a snapshot kept out of the file. */
  #noteFailure(snapshot: CachedSnapshot, thrown: unknown): void {
    const { status, metrics, logger, clock } = this.#options;
    const error = SecretsError.from(thrown);
    const { code, field } = error;
    const isRefusal = error instanceof EnvFileRefusal;
    status.noteError({ code, source: "file", field, atMs: clock.now() });
    metrics.failures.inc({ code });
    logger.error(
      {
        code,
        field,
        reason: isRefusal ? error.reason : WRITE_FAILED_REASON,
        // The writer's own words: the path and the errno.
        ...(!isRefusal && {
          path: this.#options.writer.path,
          errno: errnoOf(error),
        }),
        revision: snapshot.revision,
      },
      "file not written",
    );
    // Our own messages name a variable or a path, never a value.
    logger.debug({ code, field, detail: error.message }, "file error detail");
    if (isRefusal) this.#refusal = error;
    else this.#writeFailure = error;
  }

  /**
   * The snapshot rendered with the file's own header revision when it
   * has the same names and values as the file, so that nothing is
   * written; else rendered with its own revision.
   */
  #renderKeepingFile(snapshot: CachedSnapshot): RenderedEnvFile & {
    revision: number;
  } {
    const { writer } = this.#options;
    const current = this.#render(snapshot, snapshot.revision);
    const last = writer.lastContent?.reveal();
    this.#fileRevision ??=
      last === undefined ? undefined : revisionInHeader(last);
    const fileRevision = this.#fileRevision;
    if (fileRevision !== undefined && fileRevision !== snapshot.revision) {
      const kept = this.#render(snapshot, fileRevision);
      if (kept.content === last) return { ...kept, revision: fileRevision };
    }
    return { ...current, revision: snapshot.revision };
  }

  #render(snapshot: CachedSnapshot, revision: number): RenderedEnvFile {
    return renderEnvFile({
      dialect: this.#options.dialect,
      algorithm: snapshot.algorithm,
      revision,
      secrets: snapshot.secrets.map((secret) => ({
        envName: secret.envName,
        value: secret.value.reveal(),
      })),
      isSkippingUnrepresentable: this.#options.isSkippingUnrepresentable,
    });
  }
}

/** The errno code (EACCES, EISDIR, …) behind a failed write, if any. */
function errnoOf(error: SecretsError): string | null {
  return (error.cause as NodeJS.ErrnoException | undefined)?.code ?? null;
}
