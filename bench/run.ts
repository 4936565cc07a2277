/**
 * `npm run bench`: runs every section with its floor, prints one table
 * and writes bench/results.json. `BENCH_SIZE=smoke` for a seconds-long
 * run (CI), `--quick` for full sizes with a 5 s idle window;
 * `BENCH_RESULTS=path` writes the results elsewhere; `BENCH_ONLY=fanout`
 * runs sections 2 and 5 alone (with BENCH_ALGORITHMS/REPLICAS/WORKERS);
 * `BENCH_ONLY=agent` runs sections 1 and 4 alone (the agent's own figures).
 */

import { writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { join } from "node:path";
import { packageRoot } from "../src/shared/package-root.js";
import { benchFanout, type FanoutResult } from "./fanout.js";
import { benchFootprint, type FootprintResult } from "./footprint.js";
import {
  forkScript,
  nextMessage,
  removeScratchDirs,
  stopChild,
} from "./lib/children.js";
import { mib } from "./lib/proc.js";
import { AdminClient, startServerChild } from "./lib/server-child.js";
import { benchPropagation, type PropagationResult } from "./propagation.js";
import { formatTable, type Row } from "./report.js";
import {
  type BenchSizes,
  chooseSizes,
  envNameOf,
  fillerValue,
  markerValue,
} from "./sizes.js";
import { benchUnary, type UnaryResult } from "./unary.js";

/** Debounce settings the propagation section runs the agent with. */
const DEBOUNCES = ["default", "0ms"] as const;

interface Results {
  propagation?: PropagationResult;
  unary?: UnaryResult;
  footprint?: FootprintResult;
  fanout?: FanoutResult;
  errors: Record<string, string>;
}

async function main(): Promise<number> {
  const sizes = chooseSizes(process.env, process.argv.slice(2));
  const startedAt = new Date();
  const results: Results = { errors: {} };
  const section = async <T>(name: string, run: () => Promise<T>) => {
    process.stderr.write(`bench: ${name}…\n`);
    try {
      return await run();
    } catch (error) {
      results.errors[name] =
        error instanceof Error ? error.message : String(error);
      process.stderr.write(`bench: ${name} failed: ${results.errors[name]}\n`);
      return undefined;
    }
  };

  try {
    if (process.env.BENCH_ONLY !== "fanout") {
      await runSingleAgentSections(sizes, results, section);
    }
    if (process.env.BENCH_ONLY !== "agent") {
      results.fanout = await section("fan-out and reconnect storm", () =>
        benchFanout(sizes),
      );
    }
  } finally {
    removeScratchDirs();
  }

  const rows = buildRows(results);
  const table = formatTable(rows);
  process.stdout.write(
    `\nalgorithm-secrets bench (${sizes.name}), ${describeMachine()}\n${table}\n`,
  );
  const file =
    process.env.BENCH_RESULTS ?? join(packageRoot(), "bench/results.json");
  writeFileSync(
    file,
    `${JSON.stringify(
      {
        date: startedAt.toISOString(),
        durationMs: Date.now() - startedAt.getTime(),
        machine: machine(),
        sizes,
        ...results,
        table: rows,
      },
      null,
      2,
    )}\n`,
  );
  process.stdout.write(`results: ${file}\n`);
  return Object.keys(results.errors).length ? 1 : 0;
}

type SectionRunner = <T>(
  name: string,
  run: () => Promise<T>,
) => Promise<T | undefined>;

/** Propagation, unary and footprint share one server and the floor server. */
async function runSingleAgentSections(
  sizes: BenchSizes,
  results: Results,
  section: SectionRunner,
): Promise<void> {
  const server = await startServerChild();
  const admin = new AdminClient(server.addr, server.paths);
  const floorServer = forkScript("floor-server.js", {
    FLOOR_CERT: server.paths.serverCert,
    FLOOR_KEY: server.paths.serverKey,
    FLOOR_SECRETS: String(sizes.payloadSecrets),
    FLOOR_VALUE_BYTES: String(sizes.valueBytes),
  });
  try {
    const { port } = await nextMessage<{ type: string; port: number }>(
      floorServer,
      "ready",
      15_000,
    );
    const floorAddr = `127.0.0.1:${port}`;
    const algorithm = "bench/propagation";
    for (let i = 0; i < sizes.payloadSecrets; i++) {
      await admin.create({
        algorithm,
        envName: envNameOf(i),
        displayName: "bench",
        description: "",
        value: Buffer.from(
          i === 0
            ? markerValue(0, sizes.valueBytes)
            : fillerValue(sizes.valueBytes),
        ),
      });
    }
    let index = 1;
    const nextIndex = () => index++;
    const pushTimes = new Map<number, number>();
    floorServer.on(
      "message",
      (message: { type?: string; index: number; atMs: number }) => {
        if (message.type === "pushed")
          pushTimes.set(message.index, message.atMs);
      },
    );
    results.propagation = await section("propagation", () =>
      benchPropagation(
        {
          server,
          admin,
          algorithm,
          floorAddr,
          sizes,
          nextIndex,
          floorPushedAt: (pushed) => pushTimes.get(pushed),
        },
        DEBOUNCES,
      ),
    );
    if (process.env.BENCH_ONLY !== "agent") {
      results.unary = await section("unary refresh", () =>
        benchUnary({ server, algorithm, floorAddr, sizes }),
      );
    }
    results.footprint = await section("agent footprint", () =>
      benchFootprint({ server, algorithm, sizes }),
    );
  } finally {
    admin.close();
    await Promise.all([stopChild(floorServer), server.stop()]);
  }
}

function buildRows(results: Results): Row[] {
  const rows: Row[] = [];
  const { propagation: p, fanout: f, unary: u, footprint: a } = results;
  if (p) {
    for (const debounce of DEBOUNCES) {
      const series = p.agent[debounce];
      if (!series) continue;
      const label =
        debounce === "default"
          ? "default --debounce (1s)"
          : `--debounce ${debounce}`;
      rows.push(
        row(
          "1",
          `propagation p50, ${label}`,
          series.p50Ms,
          p.floor.p50Ms,
          "ms",
          "-",
        ),
        row(
          "1",
          `propagation p99, ${label}`,
          series.p99Ms,
          p.floor.p99Ms,
          "ms",
          "≤ 50 ms, ≤ 3× floor",
          series.p99Ms <= 50 &&
            series.p99Ms <= 3 * p.floor.p99Ms &&
            series.lost === 0,
        ),
        row(
          "1",
          `propagation max, ${label}`,
          series.maxMs,
          p.floor.maxMs,
          "ms",
          "-",
        ),
      );
    }
  }
  if (f) {
    rows.push(
      row(
        "2",
        `server RSS, ${f.streams} idle streams`,
        mib(f.serverRssIdleBytes),
        mib(f.serverRssBaseBytes),
        "MiB",
        "≤ 1024 MiB",
        f.serverRssIdleBytes <= 1024 ** 3,
      ),
      row(
        "2",
        `one algorithm's update p99 (${f.replicas} watchers)`,
        f.single.p99Ms,
        p?.floor.p99Ms,
        "ms",
        "≤ 100 ms",
        f.single.p99Ms <= 100 && f.single.lost === 0,
      ),
      row(
        "2",
        `all ${f.streams} watchers hold ${f.algorithms} changes`,
        f.allUpdatedMs,
        f.allAdminMs,
        "ms",
        "≤ 2000 ms",
        f.allUpdatedMs <= 2000,
      ),
    );
  }
  if (u) {
    rows.push(
      row(
        "3",
        `unary "unchanged" (c=${u.concurrency})`,
        u.service.unchanged,
        u.floor.unchanged,
        "req/s",
        "≥ 0.70× floor",
        u.service.unchanged >= 0.7 * u.floor.unchanged,
      ),
      row(
        "3",
        `unary full snapshot (c=${u.concurrency})`,
        u.service.snapshot,
        u.floor.snapshot,
        "req/s",
        "≥ 0.70× floor",
        u.service.snapshot >= 0.7 * u.floor.snapshot,
      ),
    );
  }
  if (a) {
    const idleS = Math.round(a.idleWindowMs / 1000);
    rows.push(
      row(
        "4",
        "agent start → file written",
        a.fileWrittenMs,
        a.nodeStartMs,
        "ms",
        "≤ 500 ms",
        a.fileWrittenMs <= 500,
      ),
      row(
        "4",
        `agent RSS after ${idleS} s idle`,
        mib(a.agentRssBytes),
        mib(a.bareNodeRssBytes),
        "MiB",
        "≤ 1.4× floor",
        a.agentRssBytes <= 1.4 * a.bareNodeRssBytes,
      ),
      row(
        "4",
        `agent CPU over ${idleS} s idle`,
        a.agentIdleCpuPercent,
        a.bareNodeIdleCpuPercent,
        "%",
        "≤ 0.5 %",
        a.agentIdleCpuPercent <= 0.5,
      ),
    );
  }
  if (f) {
    const s = f.storm;
    rows.push(
      row(
        "2",
        `all ${f.streams} streams up, first start`,
        f.setupMs,
        f.connectFloorMs,
        "ms",
        "-",
      ),
      row(
        "5",
        `storm: all ${f.streams} resubscribed`,
        s.allResubscribedMs,
        s.restartMs + f.connectFloorMs,
        "ms",
        "≤ 35000 ms",
        s.allResubscribedMs <= 35_000,
      ),
      row(
        "5",
        "storm: most resubscribing in 1 s",
        s.maxShareInOneSecond * 100,
        undefined,
        "%",
        "≤ 15 %",
        s.maxShareInOneSecond <= 0.15,
      ),
    );
  }
  return rows;
}

function row(
  section: string,
  figure: string,
  measured: number,
  floor: number | undefined,
  unit: string,
  target: string,
  isMet?: boolean,
): Row {
  return { section, figure, measured, floor, unit, target, isMet };
}

function machine() {
  return {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? "unknown",
    totalMemBytes: totalmem(),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
  };
}

function describeMachine(): string {
  const m = machine();
  return `${m.cpus} cores (${m.cpuModel}), ${mib(m.totalMemBytes)} MiB, Node ${m.node}`;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(
      `bench: ${error instanceof Error ? error.stack : String(error)}\n`,
    );
    process.exit(1);
  },
);
