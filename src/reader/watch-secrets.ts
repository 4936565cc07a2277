/**
 * Watches the agent's env file and calls back with the new secrets when
 * its content changes, so a Node algorithm can reload without a restart.
 * The watching is in `folder-watch.ts`, the reading and comparing in
 * `reloader.ts`, and what a throwing callback does in `user-callbacks.ts`.
 */
import { resolve } from "node:path";
import { SecretsError } from "../shared/errors.js";
import { watchFileFolder } from "./folder-watch.js";
import {
  DEFAULT_SECRETS_PATH,
  type LoadSecretsOptions,
  type SecretRecord,
} from "./load-secrets.js";
import { createReloader } from "./reloader.js";
import { guardCallbacks } from "./user-callbacks.js";

/** What {@link watchSecrets} takes. */
export interface WatchSecretsOptions extends LoadSecretsOptions {
  /**
   * Called with every content of the file that differs from the last one:
   * once when the watch starts (if the file exists), then after each
   * change. Not called when a rewrite leaves the bytes the same. If it
   * throws, `onError` gets INTERNAL with field `onChange` (without
   * `onError`, a process warning is emitted); the watch goes on and the
   * same content is not delivered again.
   */
  onChange: (secrets: SecretRecord) => void;
  /**
   * Called when the file cannot be read or parsed (NOT_FOUND once each
   * time it goes missing, INVALID_ARGUMENT when it is not the agent's
   * output), or, with `intoProcessEnv`, holds a reserved name
   * (FAILED_PRECONDITION; nothing is set); and with INTERNAL, field
   * `onChange`, when `onChange` threw. The watch goes on; the next good
   * content calls `onChange`. If it throws, a process warning (INTERNAL,
   * field `onError`) is emitted and the watch goes on. Default: the
   * error is dropped.
   */
  onError?: (error: SecretsError) => void;
}

/** Stops a watch; resolves once the file is no longer watched. */
export type CloseWatch = () => Promise<void>;

/**
 * Starts watching. Resolves once the watch is in place and the first
 * content has been delivered (or its error reported), with the function
 * that stops it. A folder that does not exist yet is waited for: the
 * watch reports NOT_FOUND once and reads the file when it appears.
 */
export async function watchSecrets(
  options: WatchSecretsOptions,
): Promise<CloseWatch> {
  const path = resolve(options.path ?? DEFAULT_SECRETS_PATH);
  const callbacks = guardCallbacks(options);
  const reload = createReloader({ path, load: options, callbacks });
  const watch = await watchFileFolder({
    path,
    onEvent: () => void reload(),
    onError: (error) =>
      callbacks.report(
        new SecretsError("UNAVAILABLE", "path: the watch failed", {
          field: "path",
          cause: error,
        }),
      ),
  });

  await reload();
  return () => watch.close();
}
