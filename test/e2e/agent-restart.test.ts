/**
 * An agent restarted while the algorithm keeps running, with real
 * processes: the file of the previous run is the starting point, so an
 * unchanged file is left alone (same inode and mtime, no reload) and a
 * file that went out of date while the agent was down is replaced with
 * exactly one reload. A true cold start still sends no reload.
 */
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type ServerProcess,
  startServerProcess,
} from "../helpers/server-process.js";
import { tmpfsDir } from "../helpers/tmpfs.js";
import {
  type AgentProcess,
  countLines,
  createSecret,
  startAgent,
  updateSecret,
  waitUntil,
  writeAgentToken,
} from "./agent-harness.js";

const ALGORITHM = "demo/restart";
/** Long enough for a reload that was going to come, in milliseconds. */
const SETTLE_MS = 500;

let server: ServerProcess;
let tokenFile: string;
const agents: AgentProcess[] = [];
// Made before the afterAll below, whose stops therefore run first.
const dir = tmpfsDir("as-e2e-restart-");
const file = join(dir, "secrets.env");
const reloadLog = join(dir, "reloads.log");

const reloads = () =>
  existsSync(reloadLog) ? countLines(readFileSync(reloadLog, "utf8")) : 0;
const fileText = () => (existsSync(file) ? readFileSync(file, "utf8") : "");
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function startReadyAgent(): Promise<AgentProcess> {
  const agent = await startAgent({
    addr: server.addr,
    caFile: server.paths.caCert,
    tokenFile,
    file,
    extraArgs: [
      "--debounce",
      "10ms",
      "--reload-command",
      `echo r >> ${reloadLog}`,
    ],
  });
  agents.push(agent);
  const isReady = async () => (await agent.get("/readyz")).status === 200;
  expect(await waitUntil(isReady, 10_000)).toBe(true);
  return agent;
}

beforeAll(async () => {
  server = await startServerProcess({ stateDir: join(dir, "server") });
  tokenFile = await writeAgentToken(server, ALGORITHM, dir);
  await createSecret(server, ALGORITHM, "API_KEY", "v1");
});

afterAll(async () => {
  for (const agent of agents) await agent.stop();
  await server?.stop();
});

describe("secrets-agent restarted on the file of a previous run", () => {
  it("writes the first file of a cold start without a reload", async () => {
    const agent = await startReadyAgent();
    expect(fileText()).toContain("'v1'");
    await pause(SETTLE_MS);
    expect(reloads()).toBe(0);
    await agent.stop();
  });

  it("leaves an unchanged file alone: same inode and mtime, no reload", async () => {
    const before = statSync(file, { bigint: true });
    const agent = await startReadyAgent();
    await pause(SETTLE_MS);
    const after = statSync(file, { bigint: true });
    expect(after.ino).toBe(before.ino);
    expect(after.mtimeNs).toBe(before.mtimeNs);
    expect(reloads()).toBe(0);
    await agent.stop();
  });

  it("replaces a file that went out of date while it was down, with one reload", async () => {
    await updateSecret(server, ALGORITHM, "API_KEY", "v2");
    const leftover = join(dir, ".secrets.env.0123456789ab.tmp");
    writeFileSync(leftover, "export API_KEY='v0'\n");
    const agent = await startReadyAgent();
    expect(await waitUntil(() => fileText().includes("'v2'"), 5000)).toBe(true);
    expect(await waitUntil(() => reloads() === 1, 5000)).toBe(true);
    await pause(SETTLE_MS);
    expect(reloads()).toBe(1);
    expect(existsSync(leftover)).toBe(false);
    await agent.stop();
  });
});
