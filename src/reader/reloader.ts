/**
 * Reads the watched file and tells the user what changed: the next
 * content that differs from the last one read, or the next error that
 * differs from the last one reported. A file event is often followed by
 * a second read of the same file, so this comparison is what keeps a
 * deleted file at one NOT_FOUND and a bad file at one INVALID_ARGUMENT.
 *
 * After an error, a good content is delivered even when it is the one
 * delivered before the error: the user was told the file went bad, and
 * is now told it is good.
 */
import { readFile } from "node:fs/promises";
import { type ErrorCode, SecretsError } from "../shared/errors.js";
import {
  applySecrets,
  type LoadSecretsOptions,
  readError,
  type SecretRecord,
} from "./load-secrets.js";
import type { GuardedCallbacks } from "./user-callbacks.js";

/** What {@link createReloader} takes. */
export interface ReloaderOptions {
  /** The file, resolved. */
  path: string;
  /** How to parse and apply the file. */
  load: LoadSecretsOptions;
  callbacks: GuardedCallbacks;
}

/** The last thing the file gave: bytes (good or bad) or a read error. */
type LastRead =
  | { kind: "bytes"; bytes: Buffer }
  | { kind: "read-error"; code: ErrorCode };

/**
 * One read at a time: a call that lands while the file is being read
 * queues exactly one more read, so the last content always wins. The
 * returned function never rejects.
 */
export function createReloader(options: ReloaderOptions): () => Promise<void> {
  const readOnce = createReadOnce(options);
  let running: Promise<void> | undefined;
  let isPending = false;

  return () => {
    if (running) {
      isPending = true;
      return running;
    }
    running = (async () => {
      try {
        do {
          isPending = false;
          await readOnce();
        } while (isPending);
      } finally {
        running = undefined;
      }
    })();
    return running;
  };
}

function createReadOnce(options: ReloaderOptions): () => Promise<void> {
  const { path, load, callbacks } = options;
  let last: LastRead | undefined;

  return async () => {
    const read = await readFile(path).catch((error: unknown) =>
      readError(error),
    );
    if (read instanceof SecretsError) {
      if (last?.kind === "read-error" && last.code === read.code) return;
      last = { kind: "read-error", code: read.code };
      callbacks.report(read);
      return;
    }

    if (last?.kind === "bytes" && last.bytes.equals(read)) return;
    last = { kind: "bytes", bytes: read };
    let secrets: SecretRecord;
    try {
      secrets = applySecrets(read, load);
    } catch (error) {
      callbacks.report(SecretsError.from(error));
      return;
    }
    callbacks.deliver(secrets);
  };
}
