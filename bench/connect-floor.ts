/**
 * The floor of sections 2 and 5: how long bare grpc-js clients, spread
 * over the same number of worker processes as the simulated agents, take
 * to bring up the same number of TLS watch streams on the bare floor
 * server. A reconnect storm cannot settle faster than the restart plus
 * this, on the same cores.
 */
import type { ChildProcess } from "node:child_process";
import type { StatePaths } from "../src/shared/dev-state.js";
import type { ConnectFloorStart } from "./connect-floor-worker.js";
import { forkScript, nextMessage, stopChild } from "./lib/children.js";
import { nowMs } from "./lib/stats.js";

/** Longest the floor may take, in milliseconds. */
const CONNECT_FLOOR_TIMEOUT_MS = 180_000;

export interface ConnectFloorOptions {
  /** The dev state whose certificate the floor server presents. */
  paths: StatePaths;
  streams: number;
  workers: number;
}

/** Milliseconds from the first connection to the last stream up. */
export async function timeConnectFloor(
  options: ConnectFloorOptions,
): Promise<number> {
  const floorServer = forkScript("floor-server.js", {
    FLOOR_CERT: options.paths.serverCert,
    FLOOR_KEY: options.paths.serverKey,
  });
  const workers: ChildProcess[] = [];
  try {
    const { port } = await nextMessage<{ type: string; port: number }>(
      floorServer,
      "ready",
      15_000,
    );
    for (let w = 0; w < options.workers; w++) {
      const worker = forkScript("connect-floor-worker.js");
      workers.push(worker);
      await nextMessage(worker, "hello", 15_000);
    }
    const startMs = nowMs();
    const ups = workers.map((worker, w) => {
      const up = nextMessage<{ type: string; atMs: number }>(
        worker,
        "up",
        CONNECT_FLOOR_TIMEOUT_MS,
      );
      const start: ConnectFloorStart = {
        type: "start",
        addr: `127.0.0.1:${port}`,
        caFile: options.paths.caCert,
        count: shareOf(options.streams, options.workers, w),
      };
      worker.send(start);
      return up;
    });
    const upTimes = await Promise.all(ups);
    return Math.max(...upTimes.map((up) => up.atMs)) - startMs;
  } finally {
    for (const worker of workers) {
      if (worker.connected) worker.send({ type: "stop" });
    }
    await Promise.all([...workers, floorServer].map((c) => stopChild(c)));
  }
}

/** Worker `w`'s share of `total` streams, as even as integers allow. */
function shareOf(total: number, workers: number, w: number): number {
  return Math.floor(total / workers) + (w < total % workers ? 1 : 0);
}
