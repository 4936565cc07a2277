/**
 * DeliveryClient against a real server process that goes away and comes
 * back on the same port: each call after a failed connect is a real
 * attempt, so the sync loop's backoff alone says when the service is seen.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DeliveryClient } from "../../src/agent/delivery-client.js";
import { Redacted } from "../../src/shared/redacted.js";
import {
  type ServerProcess,
  startServerProcess,
} from "../helpers/server-process.js";

const ALGORITHM = "demo/reconnect";

/** Pauses between failed calls while the service is down, ms. */
const FAILED_CALL_PAUSES_MS = [300, 600, 1200];

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let server: ServerProcess;
let client: DeliveryClient;

beforeAll(async () => {
  // A short heartbeat: a watch at the current revision gets its first
  // event one heartbeat after it opens.
  server = await startServerProcess({ extraArgs: ["--heartbeat", "200ms"] });
  const token = await server.issueAgentToken(ALGORITHM);
  client = new DeliveryClient({
    addr: server.addr,
    caPem: server.caPem,
    isPlaintext: false,
    tokenSource: () => new Redacted(token),
  });
});

afterAll(async () => {
  client.close();
  await server.stop();
});

/**
 * Kills the service, fails a few calls spaced out the way the loop's
 * backoff would space them (grpc-js would be waiting out its own
 * reconnect backoff by then), and starts the service again.
 */
async function outage(failingCall: () => Promise<unknown>): Promise<void> {
  await server.stop("SIGKILL");
  for (const pauseMs of FAILED_CALL_PAUSES_MS) {
    await expect(failingCall()).rejects.toMatchObject({ code: "UNAVAILABLE" });
    await sleep(pauseMs);
  }
  await server.restart();
}

/** The first event of a new watch, or the error that ended it. */
function firstWatchOutcome(): Promise<string> {
  return new Promise((resolve) => {
    const handle = client.watch(0, {
      onEvent: () => {
        handle.cancel();
        resolve("event");
      },
      onEnd: (error) => resolve(error?.code ?? "ended"),
    });
  });
}

describe("DeliveryClient", () => {
  describe("when the service comes back after failed connects", () => {
    it("reaches it with the very next refresh", async () => {
      await expect(client.getSnapshot(0)).resolves.toBeDefined();
      await outage(() => client.getSnapshot(0));
      await expect(client.getSnapshot(0)).resolves.toBeDefined();
    });

    it("opens the very next watch", async () => {
      await outage(async () => {
        const outcome = await firstWatchOutcome();
        if (outcome !== "event") throw { code: outcome };
      });
      expect(await firstWatchOutcome()).toBe("event");
    });
  });
});
