/**
 * Section 3: unary refresh (GetSnapshot) requests per second over TLS,
 * "unchanged" and full-snapshot paths, against the floor server answering
 * the same messages with no auth, store or decryption. The two take
 * turns in short rounds so that load from other processes on a shared
 * machine falls on both alike.
 */
import { readFileSync } from "node:fs";
import { DeliveryClient } from "../src/agent/delivery-client.js";
import { Redacted } from "../src/shared/redacted.js";
import { issueAgentToken, type ServerChild } from "./lib/server-child.js";
import { median, nowMs } from "./lib/stats.js";
import type { BenchSizes } from "./sizes.js";

/**
 * Rounds per path and side. Service and floor take turns (A B B A …), so
 * a neighbour's load lands on both; each figure is the median round.
 */
const ROUNDS = 6;

export interface UnaryRates {
  /** Requests per second: the median of the rounds. */
  unchanged: number;
  snapshot: number;
}

export interface UnaryResult {
  service: UnaryRates;
  floor: UnaryRates;
  /** Every round's rate, in the order run, per path and side. */
  rounds: {
    unchanged: { service: number[]; floor: number[] };
    snapshot: { service: number[]; floor: number[] };
  };
  concurrency: number;
  /** Time per path and side, summed over its rounds, in milliseconds. */
  runMs: number;
}

export async function benchUnary(options: {
  server: ServerChild;
  algorithm: string;
  floorAddr: string;
  sizes: BenchSizes;
}): Promise<UnaryResult> {
  const { server, sizes } = options;
  const caPem = readFileSync(server.paths.caCert);
  const token = await issueAgentToken(server.paths, options.algorithm);
  const connect = (addr: string) =>
    new DeliveryClient({
      addr,
      caPem,
      isPlaintext: false,
      tokenSource: () => new Redacted(token),
    });
  const service = connect(server.addr);
  const floor = connect(options.floorAddr);
  try {
    const sides = {
      service: { client: service, revision: await currentRevision(service) },
      floor: { client: floor, revision: await currentRevision(floor) },
    };
    const unchanged = await alternate(sides, "unchanged", sizes);
    const snapshot = await alternate(sides, "snapshot", sizes);
    return {
      service: {
        unchanged: median(unchanged.service),
        snapshot: median(snapshot.service),
      },
      floor: {
        unchanged: median(unchanged.floor),
        snapshot: median(snapshot.floor),
      },
      rounds: { unchanged, snapshot },
      concurrency: sizes.unaryConcurrency,
      runMs: sizes.unaryRunMs,
    };
  } finally {
    service.close();
    floor.close();
  }
}

interface Side {
  client: DeliveryClient;
  /** The revision the side answers "unchanged" to. */
  revision: number;
}

async function currentRevision(client: DeliveryClient): Promise<number> {
  const first = await client.getSnapshot(0);
  if (first.kind !== "snapshot") throw new Error("no snapshot to refresh");
  return first.snapshot.revision;
}

/**
 * Warms both sides up, then runs ROUNDS short rounds each, taking turns
 * and swapping who goes first every round. Returns each round's calls/s.
 */
async function alternate(
  sides: { service: Side; floor: Side },
  path: "unchanged" | "snapshot",
  sizes: BenchSizes,
): Promise<{ service: number[]; floor: number[] }> {
  const roundMs = sizes.unaryRunMs / ROUNDS;
  const warmUpMs = Math.min(1000, sizes.unaryRunMs / 5);
  const rates = { service: [] as number[], floor: [] as number[] };
  const run = async (name: "service" | "floor", durationMs: number) => {
    const side = sides[name];
    const known = path === "unchanged" ? side.revision : 0;
    const startMs = nowMs();
    const calls = await runCalls(
      side.client,
      known,
      sizes.unaryConcurrency,
      durationMs,
    );
    return calls / ((nowMs() - startMs) / 1000);
  };
  await run("service", warmUpMs);
  await run("floor", warmUpMs);
  for (let round = 0; round < ROUNDS; round++) {
    const order =
      round % 2 === 0
        ? (["service", "floor"] as const)
        : (["floor", "service"] as const);
    for (const name of order) rates[name].push(await run(name, roundMs));
  }
  return rates;
}

async function runCalls(
  client: DeliveryClient,
  knownRevision: number,
  concurrency: number,
  durationMs: number,
): Promise<number> {
  const endMs = nowMs() + durationMs;
  let calls = 0;
  const loop = async () => {
    while (nowMs() < endMs) {
      await client.getSnapshot(knownRevision);
      calls++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
  return calls;
}
