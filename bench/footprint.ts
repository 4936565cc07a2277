/**
 * Section 4: the agent's cost per pod. Start to env file written against
 * `node -e 0`; RSS and CPU over an idle window against a bare idle node.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import { FileProbe, spawnAgent } from "./lib/agent-child.js";
import { scratchDir, stopChild } from "./lib/children.js";
import { cpuTimeMs, rssBytes } from "./lib/proc.js";
import { type ServerChild, writeAgentToken } from "./lib/server-child.js";
import { median, nowMs, sleep } from "./lib/stats.js";
import type { BenchSizes } from "./sizes.js";

export interface FootprintResult {
  /** Median spawn → env file written, in milliseconds. */
  fileWrittenMs: number;
  /** Median spawn → exit of `node -e 0`, in milliseconds. */
  nodeStartMs: number;
  agentRssBytes: number;
  bareNodeRssBytes: number;
  /** CPU used over the idle window, percent of one core. */
  agentIdleCpuPercent: number;
  bareNodeIdleCpuPercent: number;
  idleWindowMs: number;
}

export async function benchFootprint(options: {
  server: ServerChild;
  algorithm: string;
  sizes: BenchSizes;
}): Promise<FootprintResult> {
  const { sizes } = options;
  const agentStarts: number[] = [];
  const nodeStarts: number[] = [];
  for (let n = 0; n < sizes.footprintStarts; n++) {
    nodeStarts.push(await timeNodeStart());
    const started = await startAgentTimed(options);
    agentStarts.push(started.elapsedMs);
    await stopChild(started.agent);
  }

  const { agent } = await startAgentTimed(options);
  const bare = spawn(process.execPath, ["-e", "setInterval(() => {}, 1e6)"], {
    stdio: "ignore",
  });
  try {
    await sleep(200);
    const idle = await measureIdle([agent, bare], sizes.idleWindowMs);
    return {
      fileWrittenMs: median(agentStarts),
      nodeStartMs: median(nodeStarts),
      agentRssBytes: idle[0]?.rssBytes ?? Number.NaN,
      bareNodeRssBytes: idle[1]?.rssBytes ?? Number.NaN,
      agentIdleCpuPercent: idle[0]?.cpuPercent ?? Number.NaN,
      bareNodeIdleCpuPercent: idle[1]?.cpuPercent ?? Number.NaN,
      idleWindowMs: sizes.idleWindowMs,
    };
  } finally {
    await Promise.all([stopChild(agent), stopChild(bare)]);
  }
}

/** Spawn → exit of `node -e 0`, in milliseconds. */
function timeNodeStart(): Promise<number> {
  const startMs = nowMs();
  const child = spawn(process.execPath, ["-e", "0"], { stdio: "ignore" });
  return new Promise((resolve) => {
    child.once("exit", () => resolve(nowMs() - startMs));
  });
}

async function startAgentTimed(options: {
  server: ServerChild;
  algorithm: string;
}): Promise<{ agent: ChildProcess; elapsedMs: number }> {
  const { server } = options;
  const dir = scratchDir("footprint");
  const file = join(dir, "secrets.env");
  const tokenFile = await writeAgentToken(server.paths, options.algorithm, dir);
  const probe = new FileProbe(file);
  const startMs = nowMs();
  const agent = spawnAgent({
    addr: server.addr,
    caFile: server.paths.caCert,
    tokenFile,
    file,
  });
  const writtenMs = await probe.expect("", 15_000);
  probe.close();
  if (Number.isNaN(writtenMs)) {
    await stopChild(agent);
    throw new Error("agent wrote no file within 15 s");
  }
  return { agent, elapsedMs: writtenMs - startMs };
}

/** RSS at the end and CPU % over `windowMs`, per child. */
async function measureIdle(
  children: ChildProcess[],
  windowMs: number,
): Promise<{ rssBytes: number; cpuPercent: number }[]> {
  const pids = children.map((child) => child.pid ?? 0);
  const before = pids.map(cpuTimeMs);
  const startMs = nowMs();
  await sleep(windowMs);
  const elapsedMs = nowMs() - startMs;
  return pids.map((pid, i) => ({
    rssBytes: rssBytes(pid),
    cpuPercent: ((cpuTimeMs(pid) - (before[i] ?? 0)) / elapsedMs) * 100,
  }));
}
