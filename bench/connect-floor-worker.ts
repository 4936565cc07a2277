/**
 * The floor of the fan-out setup and of the reconnect storm: bare grpc-js
 * clients, each with its own channel and TLS connection as a simulated
 * agent has, opening one watch stream on the floor server (no token
 * check, no store, no sync loop). It tells how fast this machine brings
 * up streams at all when the clients share its cores with the server.
 *
 * Start message: `{type: "start", addr, caFile, count}`. Ramped like the
 * fan-out workers (at most RAMP_WINDOW streams waiting for their first
 * message); replies `{type: "up", atMs}` once every stream got one.
 */
import { readFileSync } from "node:fs";
import { createSecureContext } from "node:tls";
import {
  ChannelCredentials,
  type Client,
  type ClientReadableStream,
} from "@grpc/grpc-js";
import { loadContract } from "../src/shared/contract.js";
import { nowMs } from "./lib/stats.js";
import { RAMP_WINDOW } from "./sizes.js";

export interface ConnectFloorStart {
  type: "start";
  addr: string;
  caFile: string;
  count: number;
}

type WatchClient = Client & {
  watchSnapshots(request: unknown): ClientReadableStream<unknown>;
};

const clients: Client[] = [];

function run(start: ConnectFloorStart): void {
  const context = createSecureContext({ ca: readFileSync(start.caFile) });
  const Delivery = loadContract().DeliveryClient;
  let opened = 0;
  let up = 0;
  if (start.count === 0) process.send?.({ type: "up", atMs: nowMs() });
  const openMore = () => {
    while (opened - up < RAMP_WINDOW && opened < start.count) {
      opened++;
      // The dev certificate names localhost as well as 127.0.0.1.
      const client = new Delivery(
        start.addr,
        ChannelCredentials.createFromSecureContext(context),
        {
          "grpc.use_local_subchannel_pool": 1,
          "grpc.enable_channelz": 0,
          "grpc.ssl_target_name_override": "localhost",
        },
      ) as unknown as WatchClient;
      clients.push(client);
      const call = client.watchSnapshots({ knownRevision: 0 });
      call.once("data", () => {
        up++;
        if (up === start.count) process.send?.({ type: "up", atMs: nowMs() });
        else openMore();
      });
      call.on("error", () => {});
    }
  };
  openMore();
}

process.on("message", (message: { type?: string }) => {
  if (message.type === "start") run(message as ConnectFloorStart);
  if (message.type === "stop") {
    for (const client of clients) client.close();
    setTimeout(() => process.exit(0), 200);
  }
});
process.send?.({ type: "hello" });
