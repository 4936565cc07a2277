/**
 * What the agent knows about its own health, kept in one place and read by
 * `/readyz` and `/status`. It holds names only, never a value.
 */
import type { ErrorCode } from "../shared/errors.js";

/** Where the watch stream is; changed only through {@link AgentStatus}. */
export type StreamState =
  | "connecting"
  | "up"
  | "backoff"
  | "slow-retry"
  | "disabled"
  | "stopped";

/** An error seen, scrubbed. */
export interface LastError {
  code: ErrorCode;
  message: string;
  atMs: number;
}

/** The `/status` document. */
export interface StatusDocument {
  algorithm: string | null;
  revision: number | null;
  envNames: string[];
  skippedNames: string[];
  file: string;
  isReady: boolean;
  isStale: boolean;
  lastSuccessAt: string | null;
  lastAttemptAt: string | null;
  lastWriteAt: string | null;
  stalenessSeconds: number | null;
  streamState: StreamState;
  /** The error since the last success; null once the agent recovers. */
  lastError: ErrorDocument | null;
  /** The latest error ever seen, kept after recovery for operators. */
  lastFailure: ErrorDocument | null;
}

/** An error as `/status` shows it. */
export interface ErrorDocument {
  code: ErrorCode;
  message: string;
  at: string;
}

/** Longest error message kept, in characters. */
const MAX_MESSAGE_CHARS = 300;

/** Anything shaped like a JWT or a bearer header, however it got there. */
const TOKEN_LIKE =
  /(Bearer\s+\S+)|([A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,})/g;

export class AgentStatus {
  readonly file: string;
  algorithm: string | undefined;
  revision: number | undefined;
  envNames: string[] = [];
  skippedNames: string[] = [];
  lastSuccessAtMs: number | undefined;
  lastAttemptAtMs: number | undefined;
  lastWriteAtMs: number | undefined;
  /**
   * True once the file holds a snapshot: written by this run, or found
   * identical from a previous run of the agent.
   */
  hasFile = false;
  /** The error since the last success; cleared by a success. */
  lastError: LastError | undefined;
  /** The latest error, kept after a success. */
  lastFailure: LastError | undefined;
  streamState: StreamState = "connecting";

  constructor(file: string) {
    this.file = file;
  }

  /** Ready once the file holds a snapshot. */
  get isReady(): boolean {
    return this.hasFile;
  }

  /**
   * Stale when the latest contact with the service, or the write that
   * followed it, failed.
   */
  isStale(): boolean {
    return this.lastError !== undefined;
  }

  noteAttempt(nowMs: number): void {
    this.lastAttemptAtMs = nowMs;
  }

  noteSuccess(nowMs: number): void {
    this.lastAttemptAtMs = nowMs;
    this.lastSuccessAtMs = nowMs;
    this.lastError = undefined;
  }

  /** Records a failure; `secretsToMask` are values to cut out, if quoted. */
  noteError(error: LastError, secretsToMask: readonly string[] = []): void {
    this.lastError = {
      ...error,
      message: scrubMessage(error.message, secretsToMask),
    };
    this.lastFailure = this.lastError;
  }

  toDocument(nowMs: number): StatusDocument {
    const iso = (ms: number | undefined) =>
      ms === undefined ? null : new Date(ms).toISOString();
    return {
      algorithm: this.algorithm ?? null,
      revision: this.revision ?? null,
      envNames: [...this.envNames],
      skippedNames: [...this.skippedNames],
      file: this.file,
      isReady: this.isReady,
      isStale: this.isStale(),
      lastSuccessAt: iso(this.lastSuccessAtMs),
      lastAttemptAt: iso(this.lastAttemptAtMs),
      lastWriteAt: iso(this.lastWriteAtMs),
      stalenessSeconds:
        this.lastSuccessAtMs === undefined
          ? null
          : Math.max(0, Math.round((nowMs - this.lastSuccessAtMs) / 1000)),
      streamState: this.streamState,
      lastError: errorDocument(this.lastError),
      lastFailure: errorDocument(this.lastFailure),
    };
  }
}

function errorDocument(error: LastError | undefined): ErrorDocument | null {
  if (!error) return null;
  const at = new Date(error.atMs).toISOString();
  return { code: error.code, message: error.message, at };
}

/**
 * An error message fit for `/status`: token-like text and any of the
 * given secret values cut out, and the length bounded. Messages are
 * written not to carry either; this is the second layer.
 */
export function scrubMessage(
  message: string,
  secretsToMask: readonly string[],
): string {
  let scrubbed = message.replace(TOKEN_LIKE, "[redacted]");
  for (const secret of secretsToMask) {
    if (secret.length >= 4)
      scrubbed = scrubbed.replaceAll(secret, "[redacted]");
  }
  return scrubbed.slice(0, MAX_MESSAGE_CHARS);
}
