/**
 * What the agent knows about its own health, kept in one place and read by
 * `/readyz` and `/status`. It holds names only, never a value, and errors
 * as codes with fixed words, never an error's own text.
 */
import type { ErrorCode } from "../shared/errors.js";
import type { TransportTrouble } from "../shared/transport-mismatch.js";
import type { TokenProblem } from "./token-source.js";

/** Where the watch stream is; changed only through {@link AgentStatus}. */
export type StreamState =
  | "connecting"
  | "up"
  | "backoff"
  | "slow-retry"
  | "disabled"
  | "stopped";

/** Where an error came from. */
export type ErrorSource = "stream" | "refresh" | "file" | "token";

/** Problems that the code and the source alone do not name. */
export type KnownProblem =
  | "revision-behind"
  | TokenProblem
  | Exclude<TransportTrouble, "connection-reset">;

/**
 * An error as the agent keeps it: a code, where it came from and fixed
 * words, never text from the service, the transport or a file.
 */
export interface LastError {
  code: ErrorCode;
  source: ErrorSource;
  /** The variable or setting at fault, for errors of the agent's own. */
  field?: string;
  problem?: KnownProblem;
  atMs: number;
}

/** The `/status` document. */
export interface StatusDocument {
  algorithm: string | null;
  /** The revision of the snapshot the file holds. */
  revision: number | null;
  /** The newest revision the service sent. */
  latestRevision: number | null;
  /**
   * True when the file holds the newest snapshot the service sent; false
   * while a refused value or name, a failed write, or a write not yet
   * made keeps it on an older one.
   */
  isFileCurrent: boolean;
  /** The names the file holds. */
  envNames: string[];
  /** Names left out under `--skip-unrepresentable`, not in the file. */
  skippedNames: string[];
  file: string;
  isReady: boolean;
  isStale: boolean;
  lastSuccessAt: string | null;
  lastAttemptAt: string | null;
  lastWriteAt: string | null;
  stalenessSeconds: number | null;
  streamState: StreamState;
  /**
   * The error since the last success, null once the agent recovers; or,
   * when there is none, a standing problem no sync can clear (a refused
   * token file) until it is fixed.
   */
  lastError: ErrorDocument | null;
  /** The latest error ever seen, kept after recovery for operators. */
  lastFailure: ErrorDocument | null;
}

/** An error as `/status` shows it. */
export interface ErrorDocument {
  code: ErrorCode;
  source: ErrorSource;
  field: string | null;
  /** A fixed description of the code (or known problem). */
  message: string;
  at: string;
}

/**
 * What each code means to an operator. Fixed words: the service's or the
 * transport's own text may quote anything, so it goes to the debug log.
 */
const CODE_DESCRIPTIONS: Readonly<Record<ErrorCode, string>> = {
  INVALID_ARGUMENT: "a request or a value was refused as malformed",
  NOT_FOUND: "something the agent asked for was not found",
  ALREADY_EXISTS: "something the agent tried to create already exists",
  PERMISSION_DENIED: "the token does not give access to this algorithm",
  UNAUTHENTICATED:
    "the service did not accept the token (expired, badly signed or malformed)",
  UNAVAILABLE: "the service could not be reached, or the connection was lost",
  DEADLINE_EXCEEDED: "the service did not answer in time",
  FAILED_PRECONDITION: "the agent cannot go on as things are (see field)",
  RESOURCE_EXHAUSTED: "the service is overloaded or a limit was reached",
  INTERNAL: "an unexpected error (detail in the agent's debug log)",
};

/** What the env file's FAILED_PRECONDITION means; the code says less. */
const FILE_DESCRIPTION =
  "the env file was not written (a file written before is kept): a " +
  "reserved name or a value the format cannot carry (field names it), or " +
  "a file that cannot be written (the log names the path and the reason)";

const PROBLEM_DESCRIPTIONS: Readonly<Record<KnownProblem, string>> = {
  "revision-behind":
    "the service's revision went backwards (its data reset?); the agent " +
    "keeps its newer file",
  "token-for-another-algorithm":
    "the token file holds a token for another algorithm; the agent keeps " +
    "its previous token",
  "token-file-unusable":
    "the token file cannot be read or holds no token; the agent keeps its " +
    "previous token",
  "token-expired":
    "the token file holds an expired token; the agent keeps its previous " +
    "token",
  "certificate-untrusted":
    "the service's TLS certificate is not trusted: is --ca-file the CA " +
    "that signed it, and does it name the --addr host?",
  "client-certificate-required":
    "the service demands a client certificate: set --client-cert and " +
    "--client-key",
  "service-without-tls":
    "the service answered without TLS: is it running with " +
    "--insecure-plaintext?",
};

/** The fixed words `/status` gives for `error`. */
export function describeError(error: LastError): string {
  if (error.problem) return PROBLEM_DESCRIPTIONS[error.problem];
  if (error.source === "file" && error.code === "FAILED_PRECONDITION") {
    return FILE_DESCRIPTION;
  }
  return CODE_DESCRIPTIONS[error.code];
}

export class AgentStatus {
  readonly file: string;
  algorithm: string | undefined;
  /** The revision of the snapshot the file holds. */
  revision: number | undefined;
  /** The newest revision the service sent, applied or not. */
  latestRevision: number | undefined;
  /** The names the file holds. */
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
  /** A problem no success clears, only its own source. */
  #standingError: LastError | undefined;
  streamState: StreamState = "connecting";

  constructor(file: string) {
    this.file = file;
  }

  /** True when the file holds the newest snapshot the service sent. */
  get isFileCurrent(): boolean {
    return this.hasFile && this.revision === this.latestRevision;
  }

  /** Notes a revision the service sent; the newest one is kept. */
  noteLatestRevision(revision: number): void {
    this.latestRevision = Math.max(this.latestRevision ?? revision, revision);
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

  noteError(error: LastError): void {
    this.lastError = error;
    this.lastFailure = error;
  }

  /**
   * Sets (or, with undefined, clears) a problem that successes do not
   * clear. It shows as `lastError` while no sync error does, and does not
   * make the file stale.
   */
  noteStandingError(error: LastError | undefined): void {
    this.#standingError = error;
    if (error) this.lastFailure = error;
  }

  toDocument(nowMs: number): StatusDocument {
    const iso = (ms: number | undefined) =>
      ms === undefined ? null : new Date(ms).toISOString();
    return {
      algorithm: this.algorithm ?? null,
      revision: this.revision ?? null,
      latestRevision: this.latestRevision ?? null,
      isFileCurrent: this.isFileCurrent,
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
      lastError: errorDocument(this.lastError ?? this.#standingError),
      lastFailure: errorDocument(this.lastFailure),
    };
  }
}

function errorDocument(error: LastError | undefined): ErrorDocument | null {
  if (!error) return null;
  return {
    code: error.code,
    source: error.source,
    field: error.field ?? null,
    message: describeError(error),
    at: new Date(error.atMs).toISOString(),
  };
}
