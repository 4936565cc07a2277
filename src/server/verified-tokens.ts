/**
 * A memory of tokens that already verified, so a caller that sends the
 * same token on every call pays for one signature check, not one per
 * call. Entries are keyed by the SHA-256 of the exact token string and
 * never outlive the token's `exp`. Calls that bring the same unverified
 * token at the same moment share one check: the replicas of an algorithm
 * usually share its token, and after a service restart they all come
 * back within seconds.
 */
import { createHash } from "node:crypto";
import { decodeJwt } from "jose";
import { LRUCache } from "lru-cache";
import type { Redacted } from "../shared/redacted.js";
import type { Identity } from "../shared/tokens.js";

/**
 * Most tokens remembered at once: one per agent of a 10,000-agent fleet.
 * An entry is about 200 bytes, so the cache stays under a few MiB.
 */
export const MAX_VERIFIED_TOKENS = 10_000;

interface Entry {
  identity: Identity;
  /** The token's `exp`, in milliseconds since the epoch. */
  expiresAtMs: number;
}

export interface VerifiedTokensOptions {
  /** Entries kept at most; default {@link MAX_VERIFIED_TOKENS}. */
  max?: number;
  /** Wall clock, compared with `exp`; default `Date.now`. */
  nowMs?: () => number;
}

/**
 * Identities of verified tokens. A lookup hashes the token, so the cache
 * holds no token text, and a token differing in any byte misses.
 *
 * Limitation: a remembered token stays accepted until its `exp` even if
 * the service's verify key were swapped underneath; the key is read once
 * at start, so that only matters for a restart, which empties the cache.
 */
export class VerifiedTokens {
  readonly #nowMs: () => number;
  readonly #cache: LRUCache<string, Entry>;
  /** Checks in flight, by the same key as the cache. */
  readonly #pending = new Map<string, Promise<Identity>>();

  constructor(options: VerifiedTokensOptions = {}) {
    this.#nowMs = options.nowMs ?? (() => Date.now());
    this.#cache = new LRUCache({ max: options.max ?? MAX_VERIFIED_TOKENS });
  }

  /**
   * The identity `token` proves: from memory, from a check of the same
   * token already in flight, or from `verify`, whose result is then
   * remembered. A failed check is not remembered; the next call checks
   * again.
   */
  identify(
    token: Redacted<string>,
    verify: () => Promise<Identity>,
  ): Promise<Identity> {
    const key = keyOf(token);
    const known = this.#lookup(key);
    if (known) return Promise.resolve(known);
    const pending = this.#pending.get(key);
    if (pending) return pending;

    const check = verify()
      .then((identity) => {
        this.remember(token, identity);
        return identity;
      })
      .finally(() => this.#pending.delete(key));
    this.#pending.set(key, check);
    return check;
  }

  /** The identity `token` proved before, if it has not expired since. */
  get(token: Redacted<string>): Identity | undefined {
    return this.#lookup(keyOf(token));
  }

  #lookup(key: string): Identity | undefined {
    const entry = this.#cache.get(key);
    if (!entry) return undefined;
    if (this.#nowMs() >= entry.expiresAtMs) {
      this.#cache.delete(key);
      return undefined;
    }
    return entry.identity;
  }

  /**
   * Remembers a token that has just verified. Tokens without a usable
   * `exp`, or with a `nbf` still ahead, are not remembered: each of their
   * calls goes through the full check.
   */
  remember(token: Redacted<string>, identity: Identity): void {
    const { exp, nbf } = decodeJwt(token.reveal());
    const nowMs = this.#nowMs();
    if (typeof exp !== "number" || exp * 1000 <= nowMs) return;
    if (nbf !== undefined && nbf * 1000 > nowMs) return;
    this.#cache.set(keyOf(token), { identity, expiresAtMs: exp * 1000 });
  }

  /** Number of remembered tokens. */
  size(): number {
    return this.#cache.size;
  }
}

function keyOf(token: Redacted<string>): string {
  return createHash("sha256").update(token.reveal()).digest("base64");
}
