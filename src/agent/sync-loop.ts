/**
 * Keeps the agent's snapshot current. Two loops run side by side:
 *
 * - the watch stream, primary: a change arrives as soon as the service
 *   commits it. A stream silent (no snapshot, no heartbeat) for 45 s is
 *   taken for dead and resubscribed; failures back off exponentially with
 *   full jitter from 0.5 s to 30 s. A stream that was up and is lost is
 *   reopened after a uniform pick in [0, 28 s) instead, and retried from
 *   a 2 s ceiling, so the agents of a restarting service come back
 *   spread out, not in one second.
 * - the unary refresh, safety net: every `refreshMs` ±10 %, with the known
 *   revision, so a stream that died without a word still delivers.
 *
 * PERMISSION_DENIED and UNAUTHENTICATED are decisions, not outages:
 * both loops then retry only every `refreshMs` (the slow path) so a
 * revoked agent does not hammer the service; the file is kept. A new
 * token ends a slow-path wait at once, since it may be the fix, and
 * replaces an open stream at once, since the service ends a stream when
 * the token it was opened with expires.
 *
 * The loop takes its clock, its stop signal and its reports as arguments,
 * so a test can drive real passes with a fake service.
 */
import { isIdentityRefusal, SecretsError } from "../shared/errors.js";
import type { Snapshot, WatchEvent } from "../shared/messages.js";
import type { StreamState } from "./agent-status.js";
import {
  Backoff,
  jitterMs,
  LOST_STREAM_RETRY_CEILING_MS,
  reconnectSpreadMs,
} from "./backoff.js";
import { type Clock, Sleeper } from "./clock.js";
import type {
  RefreshResult,
  WatchHandle,
  WatchHandlers,
} from "./delivery-client.js";

/** A stream silent this long is dead, in milliseconds. */
export const STREAM_SILENCE_MS = 45_000;

/** Where a piece of news came from. */
export type SyncSource = "stream" | "refresh";

/** The service as the loop needs it; DeliveryClient implements it. */
export interface DeliveryPort {
  getSnapshot(knownRevision: number): Promise<RefreshResult>;
  watch(knownRevision: number, handlers: WatchHandlers): WatchHandle;
}

/** How the loop reports; the agent turns these into file writes and health. */
export interface SyncReports {
  /** A snapshot arrived (possibly not newer than the one held). */
  onSnapshot(snapshot: Snapshot, source: SyncSource): void;
  /** The service answered with nothing new. */
  onContact(source: SyncSource, revision: number): void;
  onFailure(error: SecretsError, source: SyncSource): void;
  onStreamState(state: StreamState): void;
  /** The stream is being opened again after a failure. */
  onReconnect(): void;
}

export interface SyncLoopOptions {
  delivery: DeliveryPort;
  clock: Clock;
  /** Aborting ends both loops. */
  stop: AbortSignal;
  reports: SyncReports;
  /** Revision held now; 0 when none. */
  knownRevision: () => number;
  /** Refresh interval, in milliseconds (jittered ±10 %). */
  refreshMs: number;
  /** False: refresh only (`--no-watch`). */
  isWatchEnabled: boolean;
  /** Default {@link STREAM_SILENCE_MS}. */
  streamSilenceMs?: number;
  /** Default `Math.random`; for jitter and backoff. */
  random?: () => number;
  /** Spread of the first reconnect after a lost stream, ms; default 28 000. */
  reconnectSpreadMs?: number;
  /**
   * Subscribes to token changes. Each loop then ends its current (or
   * next) slow-path wait at once, and an open stream is replaced by one
   * carrying the new token. A change that lands while a refused
   * call is in flight is therefore not missed; the cost is one early
   * retry after a later refusal, once per routine rotation.
   */
  onTokenChange?: (listener: () => void) => void;
}

/** Runs until `stop` aborts. */
export async function runSyncLoop(options: SyncLoopOptions): Promise<void> {
  const refreshSleeper = new Sleeper(options.clock, options.stop);
  const loops = [runRefreshLoop(options, refreshSleeper)];
  if (options.isWatchEnabled) {
    loops.push(runStreamLoop(options, () => refreshSleeper.wake()));
  } else {
    options.reports.onStreamState("disabled");
  }
  await Promise.all(loops);
  options.reports.onStreamState("stopped");
}

/** A sleeper for slow-path waits, woken by each token change. */
function slowPathSleeper(options: SyncLoopOptions): Sleeper {
  const sleeper = new Sleeper(options.clock, options.stop);
  options.onTokenChange?.(() => sleeper.wake());
  return sleeper;
}

async function runRefreshLoop(
  options: SyncLoopOptions,
  sleeper: Sleeper,
): Promise<void> {
  const backoff = new Backoff({ random: options.random });
  const slowSleeper = slowPathSleeper(options);
  while (!options.stop.aborted) {
    const error = await refreshOnce(options);
    const intervalMs = jitterMs(options.refreshMs, 0.1, options.random);
    if (error && isIdentityRefusal(error.code)) {
      await slowSleeper.sleep(intervalMs);
      continue;
    }
    let delayMs = intervalMs;
    if (!error) backoff.reset();
    else delayMs = Math.min(backoff.nextDelayMs(), intervalMs);
    await sleeper.sleep(delayMs);
  }
}

/** One unary refresh; returns the error, if any, after reporting it. */
async function refreshOnce(
  options: SyncLoopOptions,
): Promise<SecretsError | undefined> {
  const { reports } = options;
  try {
    const result = await untilStopped(
      options.delivery.getSnapshot(options.knownRevision()),
      options.stop,
    );
    if (result === undefined) return undefined;
    if (result.kind === "snapshot")
      reports.onSnapshot(result.snapshot, "refresh");
    else reports.onContact("refresh", result.revision);
    return undefined;
  } catch (thrown) {
    const error = SecretsError.from(thrown);
    if (!options.stop.aborted) reports.onFailure(error, "refresh");
    return error;
  }
}

/**
 * `promise`, or undefined as soon as `stop` aborts, so that stopping the
 * agent never waits for a call to a service that does not answer.
 */
function untilStopped<T>(
  promise: Promise<T>,
  stop: AbortSignal,
): Promise<T | undefined> {
  if (stop.aborted) return Promise.resolve(undefined);
  return new Promise((resolve, reject) => {
    const onAbort = () => resolve(undefined);
    stop.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => {
        stop.removeEventListener("abort", onAbort);
        resolve(stop.aborted ? undefined : value);
      },
      (error: unknown) => {
        stop.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}

async function runStreamLoop(
  options: SyncLoopOptions,
  onBehind: () => void,
): Promise<void> {
  const { reports } = options;
  const backoff = new Backoff({ random: options.random });
  const sleeper = new Sleeper(options.clock, options.stop);
  const slowSleeper = slowPathSleeper(options);
  const tokenChange = new TokenChangeSignal(options);
  let isFirst = true;

  while (!options.stop.aborted) {
    if (!isFirst) reports.onReconnect();
    isFirst = false;
    reports.onStreamState("connecting");

    const outcome = await watchOnce(options, onBehind, tokenChange);
    if (options.stop.aborted) break;
    if (outcome.hadEvents) backoff.reset();
    // A stream carries the token it was opened with until that token
    // expires; reopen it at once so the new token is the one in use.
    if (outcome.isTokenChange) continue;
    reports.onFailure(outcome.error, "stream");

    if (isIdentityRefusal(outcome.error.code)) {
      reports.onStreamState("slow-retry");
      await slowSleeper.sleep(jitterMs(options.refreshMs, 0.1, options.random));
    } else {
      reports.onStreamState("backoff");
      // Losing a stream that was up is what every agent of a restarting
      // service sees at once: spread those reconnects wide, and retry a
      // failed one from a wider first step (see RECONNECT_SPREAD_MS).
      if (outcome.hadEvents) backoff.skipTo(LOST_STREAM_RETRY_CEILING_MS);
      const delayMs = outcome.hadEvents
        ? reconnectSpreadMs(options.random, options.reconnectSpreadMs)
        : backoff.nextDelayMs();
      await sleeper.sleep(delayMs);
    }
  }
}

interface WatchOutcome {
  hadEvents: boolean;
  error: SecretsError;
  /** Ended by the agent because its token changed, not by a failure. */
  isTokenChange?: boolean;
}

/**
 * Token changes as the stream loop needs them: one subscription for the
 * loop's life, handed to whichever stream is open.
 */
class TokenChangeSignal {
  #listener: (() => void) | undefined;

  constructor(options: SyncLoopOptions) {
    options.onTokenChange?.(() => this.#listener?.());
  }

  /** Calls `listener` on the next token changes, until cleared. */
  set(listener: (() => void) | undefined): void {
    this.#listener = listener;
  }
}

/** One stream, from open to end; resolves with why it ended. */
function watchOnce(
  options: SyncLoopOptions,
  onBehind: () => void,
  tokenChange: TokenChangeSignal,
): Promise<WatchOutcome> {
  const { clock, reports, stop } = options;
  const silenceMs = options.streamSilenceMs ?? STREAM_SILENCE_MS;

  return new Promise((resolve) => {
    let hadEvents = false;
    let cancelSilence = () => {};
    let handle: WatchHandle | undefined;
    const end = (error: SecretsError, isTokenChange = false) => {
      cancelSilence();
      tokenChange.set(undefined);
      stop.removeEventListener("abort", onAbort);
      resolve({ hadEvents, error, isTokenChange });
    };
    const onAbort = () => {
      handle?.cancel();
      end(new SecretsError("UNAVAILABLE", "stream: agent stopping"));
    };
    const armSilence = () => {
      cancelSilence();
      cancelSilence = clock.setTimeout(() => {
        handle?.cancel();
        end(new SecretsError("UNAVAILABLE", "stream: silent for too long"));
      }, silenceMs);
    };
    const onEvent = (event: WatchEvent) => {
      if (!hadEvents) reports.onStreamState("up");
      hadEvents = true;
      armSilence();
      if (event.snapshot) reports.onSnapshot(event.snapshot, "stream");
      else if (event.heartbeat) {
        const revision = event.heartbeat.revision;
        // A heartbeat ahead of us means a change slipped past: fetch it.
        if (revision > options.knownRevision()) onBehind();
        else reports.onContact("stream", revision);
      }
    };

    stop.addEventListener("abort", onAbort, { once: true });
    tokenChange.set(() => {
      handle?.cancel();
      end(new SecretsError("UNAVAILABLE", "stream: token changed"), true);
    });
    armSilence();
    handle = options.delivery.watch(options.knownRevision(), {
      onEvent,
      onEnd: (error) =>
        end(
          error ??
            new SecretsError("UNAVAILABLE", "stream: ended by the service"),
        ),
    });
  });
}
