import { type Client, type ClientReadableStream, status } from "@grpc/grpc-js";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { WatchEvent } from "../../src/shared/messages.js";
import {
  callUnary,
  connectAdmin,
  connectDelivery,
} from "../helpers/server-process.js";
import { type InProcessServer, startInProcess } from "./in-process-server.js";

const ALG_A = "watch/alpha";
const ALG_B = "watch/beta";
const ALG_C = "watch/gamma";
const HEARTBEAT_MS = 300;

/** Collects a stream's events and lets a test wait for the next ones. */
function collect(stream: ClientReadableStream<WatchEvent>) {
  const events: WatchEvent[] = [];
  const waiters: (() => void)[] = [];
  const ended = new Promise<number>((resolve) => {
    stream.on("status", (status: { code: number }) => resolve(status.code));
  });
  stream.on("data", (event: WatchEvent) => {
    events.push(event);
    for (const wake of waiters.splice(0)) wake();
  });
  stream.on("error", () => {});
  const waitFor = (count: number, deadlineMs: number) =>
    new Promise<WatchEvent[]>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`only ${events.length} events`)),
        deadlineMs,
      );
      const check = () => {
        if (events.length >= count) {
          clearTimeout(timer);
          resolve(events);
        } else {
          waiters.push(check);
        }
      };
      check();
    });
  return { events, waitFor, ended };
}

/** Flips one byte of a stored ciphertext behind the server's back. */
function tamper(databasePath: string, algorithm: string): void {
  const db = new Database(databasePath);
  const row = db
    .prepare("SELECT sealed_value FROM secrets WHERE algorithm = ?")
    .get(algorithm) as { sealed_value: Buffer };
  row.sealed_value[30] = (row.sealed_value[30] ?? 0) ^ 0x01;
  db.prepare("UPDATE secrets SET sealed_value = ? WHERE algorithm = ?").run(
    row.sealed_value,
    algorithm,
  );
  db.close();
}

describe("WatchSnapshots", () => {
  let server: InProcessServer;
  let admin: Client;
  let delivery: Client;
  const create = (algorithm: string, envName: string) =>
    callUnary(admin, "createSecret", {
      algorithm,
      envName,
      displayName: envName,
      value: Buffer.from(`v-${envName}`),
    });

  beforeAll(async () => {
    server = await startInProcess({ heartbeatMs: HEARTBEAT_MS });
    admin = connectAdmin(server, server.adminToken);
    delivery = connectDelivery(server, await server.issueAgentToken(ALG_A));
    await create(ALG_A, "FIRST");
  });

  afterAll(async () => {
    admin?.close();
    delivery?.close();
    await server?.stop();
  });

  const watch = (knownRevision: number, client = delivery) => {
    const stream = (
      client as unknown as {
        watchSnapshots(r: unknown): ClientReadableStream<WatchEvent>;
      }
    ).watchSnapshots({ knownRevision });
    return { stream, ...collect(stream) };
  };

  describe("when the agent is behind", () => {
    it("sends the current snapshot at once", async () => {
      const { stream, waitFor } = watch(0);
      const [first] = await waitFor(1, 1_000);
      stream.cancel();
      expect(first?.event).toBe("snapshot");
      expect(first?.snapshot?.revision).toBe(1);
    });
  });

  describe("when the agent's algorithm changes", () => {
    it("sends the change within a second and nothing for another", async () => {
      const { stream, events, waitFor } = watch(1);
      await new Promise((resolve) => setTimeout(resolve, 50));
      await create(ALG_B, "OTHER");
      await create(ALG_A, "SECOND");
      const snapshots = (await waitFor(1, 1_000)).filter(
        (event) => event.event === "snapshot",
      );
      stream.cancel();
      expect(snapshots).toHaveLength(1);
      expect(snapshots[0]?.snapshot?.algorithm).toBe(ALG_A);
      const names = snapshots[0]?.snapshot?.secrets.map((s) => s.envName);
      expect(names).toEqual(["FIRST", "SECOND"]);
      expect(JSON.stringify(events)).not.toContain("OTHER");
    });
  });

  describe("when the agent is current", () => {
    it("sends a heartbeat at once, long before the interval", async () => {
      const patient = await startInProcess({ heartbeatMs: 3_600_000 });
      const client = connectDelivery(
        patient,
        await patient.issueAgentToken(ALG_A),
      );
      try {
        const { stream, waitFor } = watch(0, client);
        const [first] = await waitFor(1, 5_000);
        stream.cancel();
        expect(first?.heartbeat).toEqual({
          revision: 0,
          intervalMs: 3_600_000,
        });
      } finally {
        client.close();
        await patient.stop();
      }
    });
  });

  describe("when the stream is idle", () => {
    it("sends heartbeats with the current revision", async () => {
      const { stream, waitFor } = watch(2);
      const events = await waitFor(2, HEARTBEAT_MS * 6);
      stream.cancel();
      expect(events.map((event) => event.event)).toEqual([
        "heartbeat",
        "heartbeat",
      ]);
      expect(events[0]?.heartbeat).toEqual({
        revision: 2,
        intervalMs: HEARTBEAT_MS,
      });
    });
  });

  describe("when the agent's token expires", () => {
    it("ends the stream with UNAUTHENTICATED, heartbeats or not", async () => {
      // exp is in whole seconds: this token lives one to two seconds.
      const client = connectDelivery(
        server,
        await server.issueAgentToken(ALG_A, 1_000),
      );
      const { events, ended } = watch(1, client);
      const startedMs = Date.now();
      expect(await ended).toBe(status.UNAUTHENTICATED);
      expect(Date.now() - startedMs).toBeLessThan(2_500);
      // It was a live stream until then, not refused at the door.
      expect(events.length).toBeGreaterThan(0);
      client.close();
    });
  });

  describe("when a stored value stops decrypting", () => {
    it("keeps heartbeats going, then ends the stream with INTERNAL on a change", async () => {
      await create(ALG_C, "KEPT");
      const client = connectDelivery(
        server,
        await server.issueAgentToken(ALG_C),
      );
      tamper(server.paths.database, ALG_C);
      const { waitFor, ended } = watch(1, client);
      // An agent that is current and its heartbeats need only the
      // revision: a bad row must not stop them (thrown from a heartbeat
      // timer it would have taken the whole server down).
      const heartbeats = await waitFor(2, HEARTBEAT_MS * 6);
      expect(heartbeats.map((event) => event.event)).toEqual([
        "heartbeat",
        "heartbeat",
      ]);
      await create(ALG_C, "ADDED");
      expect(await ended).toBe(status.INTERNAL);
      client.close();
      const listed = await callUnary(admin, "listSecrets", {
        algorithm: ALG_C,
      });
      expect(listed).toMatchObject({ revision: 2 });
    });
  });
});
