/**
 * The floor's reader: one watch stream to the floor server (through the
 * agent's own DeliveryClient), and on each snapshot a plain write of a
 * temp file and a rename over the target, on tmpfs. Nothing else: no
 * cache, no dialect checks, no debounce.
 *
 * Env: FLOOR_ADDR, FLOOR_CA (PEM file), FLOOR_FILE.
 */
import { readFileSync, renameSync, writeFileSync } from "node:fs";
import { DeliveryClient } from "../src/agent/delivery-client.js";
import { Redacted } from "../src/shared/redacted.js";

const file = process.env.FLOOR_FILE ?? "";
const client = new DeliveryClient({
  addr: process.env.FLOOR_ADDR ?? "",
  caPem: readFileSync(process.env.FLOOR_CA ?? ""),
  isPlaintext: false,
  tokenSource: () => new Redacted("floor"),
});

client.watch(0, {
  onEvent: (event) => {
    if (!event.snapshot) return;
    const lines = event.snapshot.secrets.map(
      (secret) => `${secret.envName}='${secret.value.toString("utf8")}'\n`,
    );
    writeFileSync(`${file}.tmp`, lines.join(""), { mode: 0o440 });
    renameSync(`${file}.tmp`, file);
  },
  onEnd: () => process.exit(0),
});
process.on("SIGTERM", () => process.exit(0));
