/**
 * A client process of the fan-out bench: holds thousands of simulated
 * agents, each running the agent's own sync loop (`runSyncLoop`) over its
 * own `DeliveryClient` and keeping snapshots in the agent's
 * `SnapshotCache`, without writing a file. Reports to the parent:
 *
 * - `ups`: `[agent, atMs, firstEvent]` each time an agent's stream comes
 *   up (its first event after (re)subscribing: "snapshot" or "heartbeat");
 * - `news`: `[agent, revision, atMs]` each time an agent holds a newer
 *   snapshot.
 *
 * Starts are ramped (at most RAMP_WINDOW agents waiting to come up) so the
 * first connection wave is not itself a storm.
 */
import { readFileSync } from "node:fs";
import { createSecureContext, type SecureContext } from "node:tls";
import { ChannelCredentials, credentials } from "@grpc/grpc-js";
import { systemClock } from "../src/agent/clock.js";
import { DeliveryClient } from "../src/agent/delivery-client.js";
import { decodeSnapshot, SnapshotCache } from "../src/agent/snapshot-cache.js";
import { runSyncLoop, type SyncReports } from "../src/agent/sync-loop.js";
import { Redacted } from "../src/shared/redacted.js";
import { nowMs } from "./lib/stats.js";
import { RAMP_WINDOW } from "./sizes.js";

/** Refresh interval of the simulated agents: the agent's default, ms. */
const REFRESH_MS = 60_000;

export interface WorkerStart {
  type: "start";
  addr: string;
  caFile: string;
  /** Spread of each agent's first reconnect after a lost stream, ms. */
  reconnectSpreadMs: number;
  /** Agents to run: global index, algorithm and its token. */
  agents: { index: number; algorithm: string; token: string }[];
}

type Up = [agent: number, atMs: number, firstEvent: "snapshot" | "heartbeat"];
type News = [agent: number, revision: number, atMs: number];

/**
 * One stop signal per simulated agent, as each real agent has its own:
 * thousands of listeners on one shared signal would cost every call an
 * O(agents) listener removal that no real agent pays.
 */
const stops: AbortController[] = [];
const clients: DeliveryClient[] = [];
let ups: Up[] = [];
let news: News[] = [];
let isFlushScheduled = false;

function flushSoon(): void {
  if (isFlushScheduled) return;
  isFlushScheduled = true;
  setImmediate(() => {
    isFlushScheduled = false;
    if (ups.length) process.send?.({ type: "ups", items: ups });
    if (news.length) process.send?.({ type: "news", items: news });
    ups = [];
    news = [];
  });
}

function startAgent(
  start: WorkerStart & { caPem: Buffer },
  agent: WorkerStart["agents"][number],
  onFirstUp: () => void,
): void {
  const delivery = new DeliveryClient({
    addr: start.addr,
    caPem: start.caPem,
    isPlaintext: false,
    tokenSource: () => new Redacted(agent.token),
  });
  clients.push(delivery);
  const cache = new SnapshotCache();
  let upAtMs: number | undefined;
  let isFirstUp = true;
  const noteUp = (firstEvent: Up[2]) => {
    if (upAtMs === undefined) return;
    ups.push([agent.index, upAtMs, firstEvent]);
    upAtMs = undefined;
    flushSoon();
    if (isFirstUp) onFirstUp();
    isFirstUp = false;
  };
  const reports: SyncReports = {
    onSnapshot(snapshot, source) {
      if (source === "stream") noteUp("snapshot");
      if (!cache.offer(decodeSnapshot(snapshot, Date.now()))) return;
      news.push([agent.index, snapshot.revision, nowMs()]);
      flushSoon();
    },
    onContact(source) {
      if (source === "stream") noteUp("heartbeat");
    },
    onFailure() {},
    onStreamState(state) {
      if (state === "up") upAtMs = nowMs();
    },
    onReconnect() {},
  };
  const stop = new AbortController();
  stops.push(stop);
  void runSyncLoop({
    delivery,
    clock: systemClock,
    stop: stop.signal,
    reports,
    knownRevision: () => cache.knownRevision(),
    refreshMs: REFRESH_MS,
    isWatchEnabled: true,
    reconnectSpreadMs: start.reconnectSpreadMs,
  });
}

/**
 * Makes every `credentials.createSsl` of this process share one TLS
 * context per CA. Each DeliveryClient would otherwise parse the CA and
 * build its own context, which on the bench's shared cores is client CPU
 * that a real pod spends once, not thousands of times per process. Each
 * agent keeps its own `checkServerIdentity`, so grpc-js still gives each
 * one its own connection, as separate pods would have.
 */
function shareSecureContexts(): void {
  const original = credentials.createSsl;
  const contexts = new Map<string, SecureContext>();
  credentials.createSsl = (rootCerts, privateKey, certChain, verifyOptions) => {
    if (!rootCerts || privateKey || certChain) {
      return original(rootCerts, privateKey, certChain, verifyOptions);
    }
    const key = rootCerts.toString("base64");
    let context = contexts.get(key);
    if (!context) {
      context = createSecureContext({ ca: rootCerts });
      contexts.set(key, context);
    }
    return ChannelCredentials.createFromSecureContext(context, verifyOptions);
  };
}

function run(message: WorkerStart): void {
  shareSecureContexts();
  const start = { ...message, caPem: readFileSync(message.caFile) };
  let next = 0;
  let waiting = 0;
  const fill = () => {
    while (waiting < RAMP_WINDOW && next < start.agents.length) {
      const agent = start.agents[next++];
      if (!agent) break;
      waiting++;
      startAgent(start, agent, () => {
        waiting--;
        fill();
      });
    }
  };
  fill();
}

process.on("message", (message: { type?: string }) => {
  if (message.type === "start") run(message as WorkerStart);
  if (message.type === "stop") {
    for (const stop of stops) stop.abort();
    for (const client of clients) client.close();
    setTimeout(() => process.exit(0), 200);
  }
});
process.send?.({ type: "hello" });
