/**
 * `algorithm-secrets/reader`: reads the secrets-agent's env file in a
 * Node algorithm, once or on every change.
 *
 * ```ts
 * import { loadSecretsSync, watchSecrets } from "algorithm-secrets/reader";
 *
 * loadSecretsSync({ intoProcessEnv: true });
 * const close = await watchSecrets({
 *   intoProcessEnv: true,
 *   onChange: (secrets) => reconnect(secrets.DB_PASSWORD),
 *   onError: (error) => console.warn(error.code, error.message),
 * });
 * ```
 *
 * It reads the `sh` and `json` dialects exactly; the others are for other
 * readers (`dotenv` for Node's own `--env-file`), and a file whose header
 * names one of them is refused with INVALID_ARGUMENT.
 */

export { SecretsError } from "../shared/errors.js";
export {
  applySecrets,
  DEFAULT_SECRETS_PATH,
  type LoadSecretsOptions,
  loadSecrets,
  loadSecretsSync,
  type SecretRecord,
} from "./load-secrets.js";
export {
  detectFormat,
  parseEnvFile,
  parseJsonEnvFile,
  type ReaderFormat,
} from "./parse-env-file.js";
export { parseShEnvFile } from "./parse-sh.js";
export {
  type CloseWatch,
  type WatchSecretsOptions,
  watchSecrets,
} from "./watch-secrets.js";
