/**
 * The agent's identity: the token in `--token-file`, re-read whenever
 * anything in its folder changes, because platforms replace tokens by
 * writing in place, by renaming a new file over the old, or (Kubernetes)
 * by swapping a `..data` symlink. A new token that is empty, not a JWT or
 * already expired is logged and the last good one kept; the service
 * decides whether a well-formed token is still accepted. A token already
 * expired at start is used anyway, with an error in the log, so the agent
 * runs and picks up the replacement as soon as it lands.
 *
 * An agent serves one algorithm for its whole life: the one its first
 * token names (or, if that one names none, the first replacement that
 * does). A replacement naming another algorithm is refused with an
 * error (naming both algorithms, never the token) and the last good token
 * kept, so the agent never mixes two algorithms' secrets; the refusal is
 * reported through `onProblem` until the file holds a token for
 * the agent's algorithm again.
 *
 * Limitation: "expired" is judged by this machine's clock. With a clock
 * running ahead of the service's, a replacement token in its last moments
 * is refused here although the service would still take it; the previous
 * token stays in use and the next replacement is taken as usual.
 */
import { readFile } from "node:fs/promises";
import { decodeJwt } from "jose/jwt/decode";
import { SecretsError } from "../shared/errors.js";
import type { Logger } from "../shared/logger.js";
import { Redacted } from "../shared/redacted.js";
import { isTokenShaped } from "../shared/token-shape.js";
import { type FolderWatch, watchFileFolder } from "./file-watcher.js";

export interface TokenSourceOptions {
  path: string;
  logger: Logger;
  /**
   * Called after each read of the file: with what is wrong with it while
   * its token is refused (another algorithm, expired, unreadable or not
   * a token), with undefined once it holds a good one again.
   */
  onProblem?: (problem: TokenProblem | undefined) => void;
}

/** Why a token file's content was refused. */
export type TokenProblem =
  | "token-for-another-algorithm"
  | "token-file-unusable"
  | "token-expired";

/** A token as read from the file, with the algorithm it claims. */
interface LoadedToken {
  token: Redacted<string>;
  /** The `algorithm` claim, unverified: for status only. */
  algorithm: string | undefined;
  /** The `exp` claim, unverified, in ms since the epoch; if any. */
  expiresAtMs: number | undefined;
}

export class TokenSource {
  readonly #options: TokenSourceOptions;
  #current: LoadedToken;
  /** The algorithm this agent serves: the first one a token named. */
  #algorithm: string | undefined;
  /** The last token refused for its algorithm, so it is logged once. */
  #refusedToken: Redacted<string> | undefined;
  #watch: FolderWatch | undefined;
  #reading: Promise<void> | undefined;
  #isRereadPending = false;
  readonly #listeners: Array<() => void> = [];

  private constructor(options: TokenSourceOptions, first: LoadedToken) {
    this.#options = options;
    this.#current = first;
    this.#algorithm = first.algorithm;
  }

  /** Reads the file once; FAILED_PRECONDITION naming token-file if bad. */
  static async open(options: TokenSourceOptions): Promise<TokenSource> {
    const first = await loadToken(options.path);
    if (isExpired(first)) {
      options.logger.error(
        { path: options.path, ...expiryFields(first) },
        "token expired",
      );
    }
    return new TokenSource(options, first);
  }

  /** Calls `listener` each time a new token replaces the current one. */
  onChange(listener: () => void): void {
    this.#listeners.push(listener);
  }

  /** The token to send now. */
  token(): Redacted<string> {
    return this.#current.token;
  }

  /** The algorithm this agent serves (unverified claim), if known. */
  algorithm(): string | undefined {
    return this.#algorithm;
  }

  /** Starts following the file. */
  async watch(): Promise<void> {
    this.#watch = watchFileFolder(this.#options.path, () => {
      void this.reload();
    });
    await this.#watch.ready;
  }

  /**
   * Re-reads the file; keeps the last good token if the new one is bad.
   * Reads never overlap, and a change during a read causes one more read,
   * so a slow read of an older content cannot win over a newer one.
   */
  reload(): Promise<void> {
    if (this.#reading) {
      this.#isRereadPending = true;
      return this.#reading;
    }
    this.#reading = this.#readOnce().finally(() => {
      this.#reading = undefined;
      if (this.#isRereadPending) {
        this.#isRereadPending = false;
        void this.reload();
      }
    });
    return this.#reading;
  }

  async #readOnce(): Promise<void> {
    let next: LoadedToken;
    try {
      next = await loadToken(this.#options.path);
    } catch (error) {
      const code = (error as SecretsError).code;
      this.#noteRefusal(undefined);
      this.#options.logger.warn(
        { code, path: this.#options.path },
        "token file rejected",
      );
      this.#options.onProblem?.("token-file-unusable");
      return;
    }
    const isOtherAlgorithm = this.#isOtherAlgorithm(next);
    this.#noteRefusal(isOtherAlgorithm ? next : undefined);
    if (isOtherAlgorithm) {
      this.#options.onProblem?.("token-for-another-algorithm");
      return;
    }
    // The token in use is the service's to judge (it says UNAUTHENTICATED
    // once it expires); a new one that is expired already is refused here.
    const isNew = next.token.reveal() !== this.#current.token.reveal();
    const isRefused = isNew && isExpired(next);
    this.#options.onProblem?.(isRefused ? "token-expired" : undefined);
    this.#take(next);
  }

  /** Takes `next` unless it is the current token or expired. */
  #take(next: LoadedToken): void {
    const log = this.#options.logger;
    if (next.token.reveal() === this.#current.token.reveal()) return;
    if (isExpired(next)) {
      const fields = { path: this.#options.path, ...expiryFields(next) };
      log.warn(fields, "token file rejected: token expired");
      return;
    }
    this.#current = next;
    this.#algorithm ??= next.algorithm;
    log.info({ algorithm: next.algorithm }, "token reloaded");
    for (const listener of this.#listeners) listener();
  }

  /** True when `next` names an algorithm other than the agent's. */
  #isOtherAlgorithm(next: LoadedToken): boolean {
    return this.#algorithm !== undefined && next.algorithm !== this.#algorithm;
  }

  /**
   * Records what the last read found: a token refused for its algorithm
   * (logged once per such token), or none.
   */
  #noteRefusal(refused: LoadedToken | undefined): void {
    const isNew = refused?.token.reveal() !== this.#refusedToken?.reveal();
    if (refused && isNew) {
      this.#options.logger.error(
        {
          path: this.#options.path,
          algorithm: this.#algorithm,
          tokenAlgorithm: refused.algorithm ?? null,
        },
        "token file rejected: the token names another algorithm; keeping the previous token",
      );
    }
    this.#refusedToken = refused?.token;
  }

  async close(): Promise<void> {
    await this.#watch?.close();
  }
}

async function loadToken(path: string): Promise<LoadedToken> {
  let text: string;
  try {
    text = (await readFile(path, "utf8")).trim();
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? "unreadable";
    throw new SecretsError(
      "FAILED_PRECONDITION",
      `token-file: cannot read ${path} (${reason})`,
      { field: "token-file" },
    );
  }
  if (!isTokenShaped(text)) {
    throw new SecretsError(
      "FAILED_PRECONDITION",
      `token-file: ${path} does not hold a token`,
      { field: "token-file" },
    );
  }
  return { token: new Redacted(text), ...unverifiedClaims(text) };
}

function unverifiedClaims(
  token: string,
): Pick<LoadedToken, "algorithm" | "expiresAtMs"> {
  try {
    const { algorithm, exp } = decodeJwt(token);
    return {
      algorithm: typeof algorithm === "string" ? algorithm : undefined,
      expiresAtMs: typeof exp === "number" ? exp * 1000 : undefined,
    };
  } catch {
    return { algorithm: undefined, expiresAtMs: undefined };
  }
}

function isExpired(token: LoadedToken): boolean {
  return token.expiresAtMs !== undefined && token.expiresAtMs <= Date.now();
}

/** Log fields for an expired token: when, never the token itself. */
function expiryFields(token: LoadedToken) {
  const expiresAtMs = token.expiresAtMs ?? 0;
  return {
    expiredAt: new Date(expiresAtMs).toISOString(),
    expiredSecondsAgo: Math.round((Date.now() - expiresAtMs) / 1000),
  };
}
