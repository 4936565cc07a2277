/**
 * Section 3: unary refresh (GetSnapshot) requests per second over TLS,
 * "unchanged" and full-snapshot paths, against the floor server answering
 * the same messages with no auth, store or decryption.
 */
import { readFileSync } from "node:fs";
import { DeliveryClient } from "../src/agent/delivery-client.js";
import { Redacted } from "../src/shared/redacted.js";
import { issueAgentToken, type ServerChild } from "./lib/server-child.js";
import { nowMs } from "./lib/stats.js";
import type { BenchSizes } from "./sizes.js";

export interface UnaryRates {
  /** Requests per second. */
  unchanged: number;
  snapshot: number;
}

export interface UnaryResult {
  service: UnaryRates;
  floor: UnaryRates;
  concurrency: number;
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
  const service = new DeliveryClient({
    addr: server.addr,
    caPem,
    isPlaintext: false,
    tokenSource: () => new Redacted(token),
  });
  const floor = new DeliveryClient({
    addr: options.floorAddr,
    caPem,
    isPlaintext: false,
    tokenSource: () => new Redacted(token),
  });
  try {
    return {
      service: await measureBoth(service, sizes),
      floor: await measureBoth(floor, sizes),
      concurrency: sizes.unaryConcurrency,
      runMs: sizes.unaryRunMs,
    };
  } finally {
    service.close();
    floor.close();
  }
}

async function measureBoth(
  client: DeliveryClient,
  sizes: BenchSizes,
): Promise<UnaryRates> {
  const first = await client.getSnapshot(0);
  if (first.kind !== "snapshot") throw new Error("no snapshot to refresh");
  const revision = first.snapshot.revision;
  return {
    unchanged: await measureRate(client, revision, sizes),
    snapshot: await measureRate(client, 0, sizes),
  };
}

/** Calls with `knownRevision` from `concurrency` loops; returns calls/s. */
async function measureRate(
  client: DeliveryClient,
  knownRevision: number,
  sizes: BenchSizes,
): Promise<number> {
  const warmUpMs = Math.min(1000, sizes.unaryRunMs / 5);
  await runCalls(client, knownRevision, sizes.unaryConcurrency, warmUpMs);
  const startMs = nowMs();
  const calls = await runCalls(
    client,
    knownRevision,
    sizes.unaryConcurrency,
    sizes.unaryRunMs,
  );
  return calls / ((nowMs() - startMs) / 1000);
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
