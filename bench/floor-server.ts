/**
 * The floor for propagation and unary refresh: a bare grpc-js server of
 * the same SecretDelivery contract over the same TLS, answering from a
 * fixed snapshot with no token check, no store and no decryption.
 *
 * A GetSnapshot with `knownRevision >= PUSH_BASE` is the bench's trigger:
 * it pushes a snapshot carrying marker `knownRevision - PUSH_BASE` to
 * every open watch stream, then answers. The bench times the floor from
 * the push, which this server reports as `{type: "pushed", index, atMs}`;
 * the agent series is timed from its admin update returning instead (see
 * propagation.ts).
 *
 * Env: FLOOR_CERT, FLOOR_KEY (PEM files), FLOOR_SECRETS, FLOOR_VALUE_BYTES.
 * Tells its parent `{type: "ready", port}` over IPC.
 */
import { readFileSync } from "node:fs";
import {
  Server,
  ServerCredentials,
  type ServerUnaryCall,
  type ServerWritableStream,
  type sendUnaryData,
} from "@grpc/grpc-js";
import { loadContract } from "../src/shared/contract.js";
import type {
  GetSnapshotRequest,
  GetSnapshotResponse,
  Snapshot,
  WatchEvent,
} from "../src/shared/messages.js";
import { nowMs } from "./lib/stats.js";
import { envNameOf, fillerValue, markerValue, PUSH_BASE } from "./sizes.js";

const ALGORITHM = "bench/floor";
const secretCount = Number(process.env.FLOOR_SECRETS ?? "5");
const valueBytes = Number(process.env.FLOOR_VALUE_BYTES ?? "64");

function snapshotAt(revision: number, marker: number): Snapshot {
  const secrets = [];
  for (let i = 0; i < secretCount; i++) {
    const value =
      i === 0 ? markerValue(marker, valueBytes) : fillerValue(valueBytes);
    secrets.push({
      envName: envNameOf(i),
      value: Buffer.from(value),
      version: revision,
    });
  }
  return { algorithm: ALGORITHM, revision, secrets };
}

let current = snapshotAt(1, 0);
const streams = new Set<ServerWritableStream<unknown, WatchEvent>>();

function getSnapshot(
  call: ServerUnaryCall<GetSnapshotRequest, GetSnapshotResponse>,
  callback: sendUnaryData<GetSnapshotResponse>,
): void {
  const known = Number(call.request.knownRevision);
  if (known >= PUSH_BASE) {
    current = snapshotAt(current.revision + 1, known - PUSH_BASE);
    process.send?.({ type: "pushed", index: known - PUSH_BASE, atMs: nowMs() });
    for (const stream of streams) stream.write({ snapshot: current });
    callback(null, {
      unchanged: { algorithm: ALGORITHM, revision: current.revision },
    });
  } else if (known === current.revision) {
    callback(null, {
      unchanged: { algorithm: ALGORITHM, revision: current.revision },
    });
  } else {
    callback(null, { snapshot: current });
  }
}

function watchSnapshots(call: ServerWritableStream<unknown, WatchEvent>): void {
  streams.add(call);
  const drop = () => streams.delete(call);
  call.on("cancelled", drop);
  call.on("close", drop);
  call.write({ snapshot: current });
}

// Tuned as the real server is: channelz off.
const server = new Server({ "grpc.enable_channelz": 0 });
server.addService(loadContract().delivery, {
  GetSnapshot: getSnapshot,
  WatchSnapshots: watchSnapshots,
});
const credentials = ServerCredentials.createSsl(null, [
  {
    cert_chain: readFileSync(process.env.FLOOR_CERT ?? ""),
    private_key: readFileSync(process.env.FLOOR_KEY ?? ""),
  },
]);
server.bindAsync("127.0.0.1:0", credentials, (error, port) => {
  if (error) throw error;
  process.send?.({ type: "ready", port });
});
process.on("SIGTERM", () => server.forceShutdown());
