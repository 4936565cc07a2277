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
import { benchFanout } from "./fanout.js";
import { benchFootprint } from "./footprint.js";
import {
  forkScript,
  nextMessage,
  removeScratchDirs,
  stopChild,
} from "./lib/children.js";
import { mib } from "./lib/proc.js";
import { AdminClient, startServerChild } from "./lib/server-child.js";
import { benchPropagation } from "./propagation.js";
import { formatTable } from "./report.js";
import {
  type BenchSizes,
  chooseSizes,
  envNameOf,
  fillerValue,
  markerValue,
} from "./sizes.js";
import { type BenchResults, buildRows } from "./table-rows.js";
import { benchUnary } from "./unary.js";

/** Debounce settings the propagation section runs the agent with. */
const DEBOUNCES = ["default", "0ms"] as const;

async function main(): Promise<number> {
  const sizes = chooseSizes(process.env, process.argv.slice(2));
  const startedAt = new Date();
  const results: BenchResults = { errors: {} };
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
  results: BenchResults,
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
