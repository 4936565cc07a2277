/**
 * Sections 2 and 5: one server process under 1,000 algorithms × 10
 * replicas of simulated agents (the agent's own sync loop, in a few
 * worker processes). Idle RSS, one algorithm's delivery p99, every
 * watcher updated, then a restart under the full load (reconnect storm).
 */
import type { ChildProcess } from "node:child_process";
import { timeConnectFloor } from "./connect-floor.js";
import type { WorkerStart } from "./fanout-worker.js";
import { forkScript, nextMessage, stopChild } from "./lib/children.js";
import { cpuTimeMs, mib, rssBytes } from "./lib/proc.js";
import {
  AdminClient,
  issueAgentToken,
  startServerChild,
} from "./lib/server-child.js";
import {
  type LatencySummary,
  maxInWindow,
  nowMs,
  sleep,
  summarizeLatencies,
  waitFor,
} from "./lib/stats.js";
import { type BenchSizes, envNameOf, markerValue } from "./sizes.js";

/** Longest the whole fleet may take to come up, in milliseconds. */
const SETUP_TIMEOUT_MS = 240_000;

/** Longest the storm may take to settle, in milliseconds. */
const STORM_TIMEOUT_MS = 120_000;

/** Admin calls in flight while creating or updating many algorithms. */
const ADMIN_CONCURRENCY = 50;

export interface FanoutResult {
  streams: number;
  algorithms: number;
  replicas: number;
  workers: number;
  /** Time for every agent's stream to come up, first start, ms. */
  setupMs: number;
  /**
   * The floor of `setupMs` and of the storm: bare grpc-js clients in as
   * many workers bringing up as many streams on the bare floor server, ms.
   */
  connectFloorMs: number;
  serverRssBaseBytes: number;
  serverRssIdleBytes: number;
  workerRssBytes: number[];
  single: LatencySummary;
  /** First of 1,000 updates sent → the last watcher holds its change. */
  allUpdatedMs: number;
  /** First update sent → the last admin update returned (the floor). */
  allAdminMs: number;
  /**
   * CPU spent while the 1,000 updates ran and spread, in milliseconds:
   * where the wall time went on the shared cores.
   */
  allUpdatedCpuMs: { server: number; workers: number; bench: number };
  storm: StormResult;
}

export interface StormResult {
  /** SIGTERM → every agent resubscribed, in milliseconds. */
  allResubscribedMs: number;
  /** SIGTERM → the restarted server listens (the floor), in milliseconds. */
  restartMs: number;
  /** Largest share of agents resubscribing within one second, 0..1. */
  maxShareInOneSecond: number;
  resubscribed: number;
  /** Agents resubscribing in each second after SIGTERM. */
  perSecond: number[];
  /**
   * CPU spent from SIGTERM until the storm settled, in milliseconds; the
   * server's is the restarted process's alone (the old one's is gone
   * with it).
   */
  cpuMs: { server: number; workers: number; bench: number };
}

/** What the parent knows of each agent, from the workers' reports. */
class Fleet {
  readonly news: [number, number][][];
  readonly ups: [number, string][][];

  constructor(size: number) {
    this.news = Array.from({ length: size }, () => []);
    this.ups = Array.from({ length: size }, () => []);
  }

  listen(worker: ChildProcess): void {
    worker.on("message", (message: { type: string; items: never[] }) => {
      if (message.type === "news") {
        for (const [agent, revision, atMs] of message.items as [
          number,
          number,
          number,
        ][]) {
          this.news[agent]?.push([revision, atMs]);
        }
      } else if (message.type === "ups") {
        for (const [agent, atMs, kind] of message.items as [
          number,
          number,
          string,
        ][]) {
          this.ups[agent]?.push([atMs, kind]);
        }
      }
    });
  }

  /** When `agent` first held `revision` or later; undefined if not yet. */
  heldAt(agent: number, revision: number): number | undefined {
    const found = this.news[agent]?.find(([held]) => held >= revision);
    return found?.[1];
  }

  /** First up of `agent` after `sinceMs`. */
  upAfter(agent: number, sinceMs: number): [number, string] | undefined {
    return this.ups[agent]?.find(([atMs]) => atMs >= sinceMs);
  }
}

export async function benchFanout(sizes: BenchSizes): Promise<FanoutResult> {
  const algorithms = Array.from(
    { length: sizes.fanoutAlgorithms },
    (_, i) => `fan/a${String(i).padStart(4, "0")}`,
  );
  const replicas = sizes.fanoutReplicas;
  const total = algorithms.length * replicas;
  const server = await startServerChild();
  const admin = new AdminClient(server.addr, server.paths);
  const workers: ChildProcess[] = [];
  try {
    const connectFloorMs = await timeConnectFloor({
      paths: server.paths,
      streams: total,
      workers: sizes.fanoutWorkers,
    });
    process.stderr.write(
      `bench: ${total} bare streams up in ${Math.round(connectFloorMs)} ms (floor)\n`,
    );
    await sleep(500);
    const serverRssBaseBytes = rssBytes(server.pid);
    await forEachLimited(algorithms, (algorithm) =>
      admin.create({
        algorithm,
        envName: envNameOf(0),
        displayName: "bench",
        description: "",
        value: Buffer.from(markerValue(0, sizes.valueBytes)),
      }),
    );

    const fleet = new Fleet(total);
    const setupStartMs = nowMs();
    const starts = await planWorkers({ algorithms, replicas, sizes, server });
    for (const start of starts) {
      const worker = forkScript("fanout-worker.js");
      workers.push(worker);
      fleet.listen(worker);
      await nextMessage(worker, "hello", 15_000);
      worker.send(start);
    }
    const isUp = await waitFor(
      () => fleet.ups.every((list) => list.length > 0),
      { timeoutMs: SETUP_TIMEOUT_MS, pollMs: 100 },
    );
    if (!isUp) throw new Error("fan-out: not every stream came up in time");
    const setupMs = nowMs() - setupStartMs;

    await sleep(sizes.fanoutSettleMs);
    const serverRssIdleBytes = rssBytes(server.pid);
    const workerRssBytes = workers.map((worker) => rssBytes(worker.pid ?? 0));
    process.stderr.write(
      `bench: ${total} streams up in ${Math.round(setupMs)} ms; server RSS ${mib(serverRssIdleBytes)} MiB\n`,
    );

    const single = await timeSingleUpdates({
      admin,
      algorithms,
      replicas,
      fleet,
      sizes,
    });
    const pids = {
      server: server.pid,
      workers: workers.map((w) => w.pid ?? 0),
    };
    const cpuBefore = cpuSplit(pids);
    const all = await timeAllUpdated({
      admin,
      algorithms,
      replicas,
      fleet,
      sizes,
    });
    const cpuAfter = cpuSplit(pids);
    const allUpdatedCpuMs = {
      server: cpuAfter.server - cpuBefore.server,
      workers: cpuAfter.workers - cpuBefore.workers,
      bench: cpuAfter.bench - cpuBefore.bench,
    };
    process.stderr.write(
      `bench: all updated in ${Math.round(all.allUpdatedMs)} ms; CPU ms server ${Math.round(allUpdatedCpuMs.server)}, workers ${Math.round(allUpdatedCpuMs.workers)}, bench ${Math.round(allUpdatedCpuMs.bench)}\n`,
    );
    const storm = await timeStorm({ server, fleet, total, workers: pids });
    process.stderr.write(
      `bench: storm resubscriptions per second ${storm.perSecond.join(" ")}; CPU ms server ${Math.round(storm.cpuMs.server)}, workers ${Math.round(storm.cpuMs.workers)}\n`,
    );
    return {
      streams: total,
      algorithms: algorithms.length,
      replicas,
      workers: workers.length,
      setupMs,
      connectFloorMs,
      serverRssBaseBytes,
      serverRssIdleBytes,
      workerRssBytes,
      single,
      ...all,
      allUpdatedCpuMs,
      storm,
    };
  } finally {
    for (const worker of workers) {
      if (worker.connected) worker.send({ type: "stop" });
    }
    await Promise.all(workers.map((worker) => stopChild(worker)));
    admin.close();
    await server.stop();
  }
}

/** One start message per worker; an algorithm's replicas spread across workers. */
async function planWorkers(options: {
  algorithms: string[];
  replicas: number;
  sizes: BenchSizes;
  server: Awaited<ReturnType<typeof startServerChild>>;
}): Promise<WorkerStart[]> {
  const { server, sizes } = options;
  const starts: WorkerStart[] = Array.from(
    { length: sizes.fanoutWorkers },
    () => ({
      type: "start",
      addr: server.addr,
      caFile: server.paths.caCert,
      reconnectSpreadMs: sizes.reconnectSpreadMs,
      agents: [],
    }),
  );
  for (const [a, algorithm] of options.algorithms.entries()) {
    const token = await issueAgentToken(server.paths, algorithm);
    for (let r = 0; r < options.replicas; r++) {
      const index = a * options.replicas + r;
      starts[index % starts.length]?.agents.push({ index, algorithm, token });
    }
  }
  return starts;
}

interface UpdateContext {
  admin: AdminClient;
  algorithms: string[];
  replicas: number;
  fleet: Fleet;
  sizes: BenchSizes;
}

let markerCounter = 1;

function updateAlgorithm(
  context: UpdateContext,
  algorithm: string,
): Promise<number> {
  return context.admin
    .update({
      algorithm,
      envName: envNameOf(0),
      value: Buffer.from(
        markerValue(markerCounter++, context.sizes.valueBytes),
      ),
    })
    .then((metadata) => metadata.revision);
}

/** Updates one algorithm at a time; update sent → each replica holds it. */
async function timeSingleUpdates(context: UpdateContext) {
  const { algorithms, replicas, fleet } = context;
  const latencies: number[] = [];
  let lost = 0;
  for (let k = 0; k < context.sizes.fanoutSingleUpdates; k++) {
    const a = (k * 37) % algorithms.length;
    // Timed from the request, not the response: watchers often hold the
    // change before the admin response is back.
    const sentMs = nowMs();
    const revision = await updateAlgorithm(context, algorithms[a] as string);
    const agents = Array.from({ length: replicas }, (_, r) => a * replicas + r);
    await waitFor(
      () =>
        agents.every((agent) => fleet.heldAt(agent, revision) !== undefined),
      { timeoutMs: 10_000, pollMs: 5 },
    );
    for (const agent of agents) {
      const heldMs = fleet.heldAt(agent, revision);
      if (heldMs === undefined) lost++;
      else latencies.push(heldMs - sentMs);
    }
    await sleep(20);
  }
  return summarizeLatencies(latencies, lost);
}

/** Updates every algorithm at once; time until every watcher holds it. */
async function timeAllUpdated(context: UpdateContext) {
  const { algorithms, replicas, fleet } = context;
  const targets = new Array<number>(algorithms.length).fill(0);
  const startMs = nowMs();
  await forEachLimited(algorithms, async (algorithm, a) => {
    targets[a] = await updateAlgorithm(context, algorithm);
  });
  const allAdminMs = nowMs() - startMs;
  const agentCount = algorithms.length * replicas;
  const heldOf = (agent: number) =>
    fleet.heldAt(agent, targets[Math.floor(agent / replicas)] ?? 0);
  const isDone = await waitFor(
    () => {
      for (let agent = 0; agent < agentCount; agent++) {
        if (heldOf(agent) === undefined) return false;
      }
      return true;
    },
    { timeoutMs: 60_000, pollMs: 50 },
  );
  let lastMs = 0;
  for (let agent = 0; agent < agentCount; agent++) {
    lastMs = Math.max(lastMs, heldOf(agent) ?? Number.NaN);
  }
  return { allUpdatedMs: isDone ? lastMs - startMs : Number.NaN, allAdminMs };
}

/**
 * Restarts the server under the full fleet. A resubscribed stream that is
 * current gets a heartbeat at once, so its first event's arrival is when
 * it came back.
 */
async function timeStorm(options: {
  server: Awaited<ReturnType<typeof startServerChild>>;
  fleet: Fleet;
  total: number;
  workers: { workers: number[] };
}): Promise<StormResult> {
  const { server, fleet, total } = options;
  const startMs = nowMs();
  const cpuBefore = cpuSplit({
    workers: options.workers.workers,
    server: server.pid,
  });
  const restartMs = await server.restart();
  const resubscribedAt = (agent: number) => fleet.upAfter(agent, startMs)?.[0];
  await waitFor(
    () => {
      for (let agent = 0; agent < total; agent++) {
        if (fleet.upAfter(agent, startMs) === undefined) return false;
      }
      return true;
    },
    { timeoutMs: STORM_TIMEOUT_MS, pollMs: 100 },
  );
  // The restarted server is a new process: its CPU counts from zero.
  const cpuAfter = cpuSplit({
    workers: options.workers.workers,
    server: server.pid,
  });
  const times: number[] = [];
  for (let agent = 0; agent < total; agent++) {
    const atMs = resubscribedAt(agent);
    if (atMs !== undefined) times.push(atMs);
  }
  const isAll = times.length === total;
  return {
    allResubscribedMs: isAll ? Math.max(...times) - startMs : Number.NaN,
    restartMs,
    maxShareInOneSecond: maxInWindow(times, 1000) / total,
    resubscribed: times.length,
    perSecond: countPerSecond(times, startMs),
    cpuMs: {
      server: cpuAfter.server,
      workers: cpuAfter.workers - cpuBefore.workers,
      bench: cpuAfter.bench - cpuBefore.bench,
    },
  };
}

/** How many of `times` fall in each whole second after `startMs`. */
function countPerSecond(times: readonly number[], startMs: number): number[] {
  const counts: number[] = [];
  for (const atMs of times) {
    const second = Math.max(0, Math.floor((atMs - startMs) / 1000));
    while (counts.length <= second) counts.push(0);
    counts[second] = (counts[second] ?? 0) + 1;
  }
  return counts;
}

/** CPU time so far of the server, the workers together, and this process. */
function cpuSplit(pids: { server: number; workers: number[] }) {
  const usage = process.cpuUsage();
  return {
    server: cpuTimeMs(pids.server),
    workers: pids.workers.reduce((sum, pid) => sum + cpuTimeMs(pid), 0),
    bench: (usage.user + usage.system) / 1000,
  };
}

/** Runs `work` over `items` with at most ADMIN_CONCURRENCY in flight. */
async function forEachLimited<T>(
  items: readonly T[],
  work: (item: T, index: number) => Promise<unknown>,
): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const index = next++;
      await work(items[index] as T, index);
    }
  };
  await Promise.all(Array.from({ length: ADMIN_CONCURRENCY }, lane));
}
