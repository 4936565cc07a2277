/**
 * Watches the agent's env file and calls back with the new secrets when
 * its content changes, so a Node algorithm can reload without a restart.
 *
 * The agent replaces the file atomically (write a temporary file, rename
 * it over the old one), which swaps the file's inode. A watch on the file
 * itself would stay on the old inode and go quiet after the first
 * rename, so this watches the file's folder and picks out the one name.
 */
import { readFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { watch } from "chokidar";
import { SecretsError } from "../shared/errors.js";
import {
  applySecrets,
  DEFAULT_SECRETS_PATH,
  type LoadSecretsOptions,
  readError,
  type SecretRecord,
} from "./load-secrets.js";

/**
 * How long after a file event to read the file once more, in ms: longer
 * than chokidar's window for dropping repeated events on one file (50 ms).
 */
const SETTLE_MS = 150;

/** What {@link watchSecrets} takes. */
export interface WatchSecretsOptions extends LoadSecretsOptions {
  /**
   * Called with every content of the file that differs from the last one:
   * once when the watch starts (if the file exists), then after each
   * change. Not called when a rewrite leaves the bytes the same.
   */
  onChange: (secrets: SecretRecord) => void;
  /**
   * Called when the file cannot be read or parsed (NOT_FOUND while it is
   * missing, INVALID_ARGUMENT when it is not the agent's output), or,
   * with `intoProcessEnv`, holds a reserved name (FAILED_PRECONDITION;
   * nothing is set). The watch goes on; the next good content calls
   * `onChange`. Default: the error is dropped.
   */
  onError?: (error: SecretsError) => void;
}

/** Stops a watch; resolves once the file is no longer watched. */
export type CloseWatch = () => Promise<void>;

/**
 * Starts watching. Resolves once the watch is in place and the first
 * content has been delivered, with the function that stops it.
 */
export async function watchSecrets(
  options: WatchSecretsOptions,
): Promise<CloseWatch> {
  const path = resolve(options.path ?? DEFAULT_SECRETS_PATH);
  const reload = createReloader(path, options);
  const watcher = watch(dirname(path), {
    depth: 0,
    ignoreInitial: true,
    // Skip the agent's temporary files: only the rename into place counts.
    ignored: (candidate) => candidate !== path && candidate !== dirname(path),
  });

  let settleTimer: NodeJS.Timeout | undefined;
  watcher.on("all", (_event, changed) => {
    if (changed !== path) return;
    void reload();
    // chokidar passes on the first event of a burst and drops the rest
    // for a short while, so a rename right after another one can go
    // unreported. Reading once more after the burst settles always ends
    // on the latest content; unchanged bytes call nothing.
    clearTimeout(settleTimer);
    settleTimer = setTimeout(() => void reload(), SETTLE_MS);
  });
  watcher.on("error", (error) => {
    options.onError?.(
      new SecretsError("UNAVAILABLE", "path: the watch failed", {
        field: "path",
        cause: error,
      }),
    );
  });

  await new Promise<void>((ready) => watcher.once("ready", ready));
  await reload();
  return async () => {
    clearTimeout(settleTimer);
    await watcher.close();
  };
}

/**
 * One reload at a time: a change that lands while the file is being read
 * queues exactly one more read, so the last content always wins.
 */
function createReloader(
  path: string,
  options: WatchSecretsOptions,
): () => Promise<void> {
  let lastBytes: Buffer | undefined;
  let running: Promise<void> | undefined;
  let isPending = false;

  const readOnce = async (): Promise<void> => {
    try {
      const bytes = await readFile(path);
      if (lastBytes?.equals(bytes)) return;
      const secrets = applySecrets(bytes, options);
      lastBytes = bytes;
      options.onChange(secrets);
    } catch (error) {
      lastBytes = undefined;
      options.onError?.(asReaderError(error));
    }
  };

  return async () => {
    if (running) {
      isPending = true;
      return running;
    }
    running = (async () => {
      do {
        isPending = false;
        await readOnce();
      } while (isPending);
      running = undefined;
    })();
    return running;
  };
}

function asReaderError(error: unknown): SecretsError {
  return error instanceof SecretsError ? error : readError(error);
}
