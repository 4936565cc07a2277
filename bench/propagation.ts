/**
 * Section 1: from an admin update returning to the new content in a real
 * agent's env file, against the floor of a bare grpc-js stream whose
 * client writes and renames a tmpfs file.
 *
 * The two series start at different points, and the difference favours
 * the agent: the floor is timed from the floor server's push onto its
 * stream (from the trigger call returning if the server's report of the
 * push has not reached the bench yet), the agent from the admin update
 * call returning, which comes after the service has pushed the change
 * (it publishes on commit, before it replies). Both series are also timed
 * from the request being sent (`sinceSent`), where the agent's carries
 * the whole admin update instead.
 */
import type { ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { DeliveryClient } from "../src/agent/delivery-client.js";
import { Redacted } from "../src/shared/redacted.js";
import { FileProbe, spawnAgent } from "./lib/agent-child.js";
import { forkScript, scratchDir, stopChild } from "./lib/children.js";
import {
  type AdminClient,
  type ServerChild,
  writeAgentToken,
} from "./lib/server-child.js";
import {
  type LatencySummary,
  nowMs,
  sleep,
  summarize,
  summarizeLatencies,
} from "./lib/stats.js";
import { type BenchSizes, envNameOf, markerValue, PUSH_BASE } from "./sizes.js";

/** Longest one update may take to show up before it counts as lost, ms. */
const UPDATE_TIMEOUT_MS = 5_000;

/**
 * Pause between updates, in milliseconds: longer than the agent's burst
 * settle (SETTLE_MS, 25 ms), so each update is a lone change, timed
 * alone. A change that follows another within the settle is part of a
 * burst and waits for the burst to end, on purpose (see coalescer.ts).
 */
const GAP_MS = 50;

/**
 * Latencies of one series, in milliseconds, from the start point: the
 * admin update returning (agent) or the floor server's push (floor).
 * A file can change before the admin response arrives, so agent values
 * may be near zero or negative; `sinceSent` counts from the request.
 */
export interface LatencySeries extends LatencySummary {
  sinceSent: { p50Ms: number; p99Ms: number; maxMs: number };
}

export interface PropagationResult {
  /** Keyed by the agent's `--debounce` value ("default" = not given). */
  agent: Record<string, LatencySeries>;
  floor: LatencySeries;
}

export interface PropagationContext {
  server: ServerChild;
  admin: AdminClient;
  /** Algorithm with `payloadSecrets` secrets, created by the caller. */
  algorithm: string;
  floorAddr: string;
  sizes: BenchSizes;
  /** Update counter shared across series, so markers never repeat. */
  nextIndex: () => number;
  /** When the floor server pushed update `index` (its own clock reading). */
  floorPushedAt: (index: number) => number | undefined;
}

/** Runs the agent series (one per debounce) and the floor series. */
export async function benchPropagation(
  context: PropagationContext,
  debounces: readonly string[],
): Promise<PropagationResult> {
  const agent: Record<string, LatencySeries> = {};
  for (const debounce of debounces) {
    agent[debounce] = await agentSeries(context, debounce);
  }
  return { agent, floor: await floorSeries(context) };
}

async function agentSeries(
  context: PropagationContext,
  debounce: string,
): Promise<LatencySeries> {
  const { server, admin, algorithm, sizes } = context;
  const dir = scratchDir("propagation");
  const file = join(dir, "secrets.env");
  const tokenFile = await writeAgentToken(server.paths, algorithm, dir);
  const probe = new FileProbe(file);
  const agent = spawnAgent({
    addr: server.addr,
    caFile: server.paths.caCert,
    tokenFile,
    file,
    debounce: debounce === "default" ? undefined : debounce,
  });
  try {
    await waitForFirstFile(probe, agent);
    return await timeSeries(probe, sizes, context.nextIndex, async (index) => {
      await admin.update({
        algorithm,
        envName: envNameOf(0),
        value: Buffer.from(markerValue(index, sizes.valueBytes)),
      });
      return nowMs();
    });
  } finally {
    probe.close();
    await stopChild(agent);
  }
}

async function floorSeries(
  context: PropagationContext,
): Promise<LatencySeries> {
  const { server, sizes } = context;
  const dir = scratchDir("floor");
  const file = join(dir, "secrets.env");
  const probe = new FileProbe(file);
  const reader = forkScript("floor-client.js", {
    FLOOR_ADDR: context.floorAddr,
    FLOOR_CA: server.paths.caCert,
    FLOOR_FILE: file,
  });
  const trigger = new DeliveryClient({
    addr: context.floorAddr,
    caPem: readFileSync(server.paths.caCert),
    isPlaintext: false,
    tokenSource: () => new Redacted("floor"),
  });
  try {
    await waitForFirstFile(probe, reader);
    return await timeSeries(probe, sizes, context.nextIndex, async (index) => {
      await trigger.getSnapshot(PUSH_BASE + index);
      return context.floorPushedAt(index) ?? nowMs();
    });
  } finally {
    trigger.close();
    probe.close();
    await stopChild(reader);
  }
}

/** Waits for the reader's first file (any content). */
async function waitForFirstFile(probe: FileProbe, child: ChildProcess) {
  const atMs = await probe.expect("", 15_000);
  if (Number.isNaN(atMs)) {
    throw new Error(`reader (pid ${child.pid}) wrote no file in 15 s`);
  }
}

/**
 * Times `propagationUpdates` pushes one after another; `push` resolves
 * with the series' start point for that update.
 */
async function timeSeries(
  probe: FileProbe,
  sizes: BenchSizes,
  nextIndex: () => number,
  push: (index: number) => Promise<number>,
): Promise<LatencySeries> {
  const latencies: number[] = [];
  const sinceSent: number[] = [];
  let lost = 0;
  for (let n = 0; n < sizes.propagationUpdates; n++) {
    const index = nextIndex();
    const marker = markerValue(index, sizes.valueBytes);
    const seen = probe.expect(marker, UPDATE_TIMEOUT_MS);
    const sentMs = nowMs();
    const startMs = await push(index);
    const seenMs = await seen;
    if (Number.isNaN(seenMs)) lost++;
    else {
      latencies.push(seenMs - startMs);
      sinceSent.push(seenMs - sentMs);
    }
    await sleep(GAP_MS);
  }
  const sent = summarize(sinceSent);
  return {
    ...summarizeLatencies(latencies, lost),
    sinceSent: { p50Ms: sent.p50, p99Ms: sent.p99, maxMs: sent.max },
  };
}
