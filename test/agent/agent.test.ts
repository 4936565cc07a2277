/**
 * The agent run in-process, through its real config loader, against a
 * service address where nothing listens: what it says at start.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runAgent } from "../../src/agent/agent.js";
import { loadAgentConfig } from "../../src/agent/config.js";
import { tmpfsDir } from "../helpers/tmpfs.js";
import { memoryLogger } from "./memory-logger.js";

const dir = tmpfsDir("as-agent-");

/** A JWT-shaped token; nothing verifies it, as no service answers. */
function tokenFile(): string {
  const part = (value: object) =>
    Buffer.from(JSON.stringify(value)).toString("base64url");
  const claims = { algorithm: "demo/start", exp: 4_000_000_000 };
  const path = join(dir, "agent.token");
  writeFileSync(path, `${part({ alg: "EdDSA" })}.${part(claims)}.c2ln`);
  return path;
}

/** Starts the agent, waits for "agent started", stops it; the lines. */
async function startAndStop(flags: string[], env: NodeJS.ProcessEnv) {
  const argv = [
    "--addr",
    "127.0.0.1:1",
    "--token-file",
    tokenFile(),
    "--file",
    join(dir, "secrets.env"),
    "--health-addr",
    "127.0.0.1:0",
    ...flags,
  ];
  const config = loadAgentConfig(argv, env);
  const { logger, lines } = memoryLogger();
  const stop = new AbortController();
  const run = runAgent({ config, logger, stop: stop.signal });
  const deadline = Date.now() + 10_000;
  while (!lines().some((line) => line.msg === "agent started")) {
    if (Date.now() > deadline) throw new Error("agent did not start");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  stop.abort();
  expect(await run).toBe(0);
  return lines();
}

const isPlaintextWarning = (line: Record<string, unknown>) =>
  line.level === "warn" && String(line.msg).startsWith("insecure plaintext");

describe("runAgent", () => {
  describe("with plaintext gRPC", () => {
    it.each([
      ["--insecure-plaintext", ["--insecure-plaintext"], {}],
      ["SECRETS_INSECURE_PLAINTEXT", [], { SECRETS_INSECURE_PLAINTEXT: "1" }],
    ])(
      "warns at start and says so in 'agent started' (%s)",
      async (_, flags, env) => {
        const lines = await startAndStop(flags, env);
        expect(lines.filter(isPlaintextWarning)).toHaveLength(1);
        const started = lines.find((line) => line.msg === "agent started");
        expect(started?.isPlaintext).toBe(true);
      },
    );
  });

  describe("with TLS", () => {
    it("neither warns nor claims plaintext", async () => {
      const lines = await startAndStop([], {});
      expect(lines.filter(isPlaintextWarning)).toEqual([]);
      const started = lines.find((line) => line.msg === "agent started");
      expect(started?.isPlaintext).toBe(false);
    });
  });
});
