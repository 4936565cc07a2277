/**
 * InFlightCalls with a real grpc-js server and client on port 0: a call
 * counts from its handler's start to its answer or its cancel.
 */
import {
  type Client,
  credentials,
  Server,
  ServerCredentials,
  type ServerUnaryCall,
  type sendUnaryData,
} from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InFlightCalls } from "../../src/server/grpc/in-flight-calls.js";
import { loadContract } from "../../src/shared/contract.js";

type DeliveryClient = Client & {
  getSnapshot(
    request: { knownRevision: number },
    callback: (error: Error | null) => void,
  ): { cancel(): void };
};

const contract = loadContract();
const calls = new InFlightCalls();
/** Answers of held GetSnapshot calls, released by the tests. */
const held: (() => void)[] = [];
let server: Server;
let client: DeliveryClient;

beforeAll(async () => {
  server = new Server();
  server.addService(
    contract.delivery,
    calls.track(contract.delivery, {
      GetSnapshot: (
        _call: ServerUnaryCall<unknown, unknown>,
        callback: sendUnaryData<unknown>,
      ) => {
        held.push(() =>
          callback(null, { unchanged: { algorithm: "a/b", revision: 1 } }),
        );
      },
      WatchSnapshots: () => {},
    }),
  );
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(
      "127.0.0.1:0",
      ServerCredentials.createInsecure(),
      (error, bound) => (error ? reject(error) : resolve(bound)),
    ),
  );
  client = new contract.DeliveryClient(
    `127.0.0.1:${port}`,
    credentials.createInsecure(),
  ) as unknown as DeliveryClient;
});

afterAll(() => {
  client?.close();
  server?.forceShutdown();
});

/** Waits until the server holds `count` calls. */
async function heldCalls(count: number): Promise<void> {
  while (held.length < count) {
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe("InFlightCalls", () => {
  describe("when a unary call is running", () => {
    it("counts it until it answers, then is idle", async () => {
      const answered = new Promise<Error | null>((resolve) =>
        client.getSnapshot({ knownRevision: 0 }, resolve),
      );
      await heldCalls(1);
      expect(calls.count).toBe(1);
      expect(await calls.whenIdle(50)).toBe(false);

      const idle = calls.whenIdle(5000);
      held.shift()?.();
      expect(await idle).toBe(true);
      expect(await answered).toBeNull();
      expect(calls.count).toBe(0);
    });
  });

  describe("when the client cancels a call", () => {
    it("stops counting it without an answer", async () => {
      const cancelled = new Promise<Error | null>((resolve) => {
        const call = client.getSnapshot({ knownRevision: 0 }, resolve);
        void heldCalls(1).then(() => call.cancel());
      });
      await heldCalls(1);
      expect(await calls.whenIdle(5000)).toBe(true);
      expect(await cancelled).not.toBeNull();
      // A late answer to the cancelled call counts nothing twice.
      held.shift()?.();
      expect(calls.count).toBe(0);
    });
  });

  describe("when nothing runs", () => {
    it("is idle at once", async () => {
      expect(await calls.whenIdle(0)).toBe(true);
    });
  });
});
