/**
 * The service going away and coming back, with real processes: the agent
 * keeps the last good file, says it is stale, and catches up; on a cold
 * start it writes nothing until the service answers.
 */
import { existsSync, mkdtempSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  type ServerProcess,
  startServerProcess,
} from "../helpers/server-process.js";
import { tmpfsDir } from "../helpers/tmpfs.js";
import {
  type AgentProcess,
  createSecret,
  startAgent,
  waitUntil,
  writeAgentToken,
} from "./agent-harness.js";

const ALGORITHM = "demo/outage";

// Made before the afterAll below, whose stops therefore run first
// (after-hooks run in reverse): no agent is left to restore files into it.
const root = tmpfsDir("as-e2e-outage-");
const running: Array<{ stop(): Promise<unknown> }> = [];
afterAll(async () => {
  for (const process of running.reverse()) await process.stop();
});

async function status(agent: AgentProcess) {
  return JSON.parse((await agent.get("/status")).body) as {
    isStale: boolean;
    stalenessSeconds: number | null;
    streamState: string;
    revision: number | null;
    lastError: { code: string } | null;
    lastFailure: { code: string } | null;
  };
}

async function setUp(extraArgs: string[] = []) {
  // A short heartbeat lets a reopened stream report "up" soon.
  const server = await startServerProcess({
    stateDir: mkdtempSync(join(root, "server-")),
    extraArgs: ["--heartbeat", "1s"],
  });
  running.push(server);
  const dir = mkdtempSync(join(root, "case-"));
  const tokenFile = await writeAgentToken(server, ALGORITHM, dir);
  const file = join(dir, "secrets.env");
  const start = () =>
    startAgent({
      addr: server.addr,
      caFile: server.paths.caCert,
      tokenFile,
      file,
      extraArgs,
    }).then((agent) => {
      running.push(agent);
      return agent;
    });
  return { server, file, start };
}

describe("secrets-agent when the service is killed", () => {
  let server: ServerProcess;
  let agent: AgentProcess;
  let file: string;

  it("keeps the file byte-identical, reports staleness and stays ready", async () => {
    const setup = await setUp(["--refresh", "1s"]);
    server = setup.server;
    file = setup.file;
    agent = await setup.start();
    await createSecret(server, ALGORITHM, "API_KEY", "k1");
    expect(
      await waitUntil(
        () =>
          existsSync(file) && readFileSync(file, "utf8").includes("API_KEY"),
        2000,
      ),
    ).toBe(true);
    const bytesBefore = readFileSync(file);
    const inodeBefore = statSync(file).ino;

    await server.stop("SIGKILL");
    expect(
      await waitUntil(async () => {
        const now = await status(agent);
        return now.isStale && (now.stalenessSeconds ?? 0) >= 2;
      }, 6000),
    ).toBe(true);

    const now = await status(agent);
    expect(now.lastError?.code).toBe("UNAVAILABLE");
    expect(now.streamState).not.toBe("up");
    expect(readFileSync(file).equals(bytesBefore)).toBe(true);
    expect(statSync(file).ino).toBe(inodeBefore);
    expect((await agent.get("/readyz")).status).toBe(200);
  });

  it("catches up, stream included, once the service is back", async () => {
    await server.restart();
    await createSecret(server, ALGORITHM, "NEW_KEY", "k2");
    expect(
      await waitUntil(
        () => readFileSync(file, "utf8").includes("NEW_KEY"),
        5000,
      ),
    ).toBe(true);
    // The stream comes back within the largest backoff (30 s).
    expect(
      await waitUntil(
        async () => (await status(agent)).streamState === "up",
        31_000,
      ),
    ).toBe(true);
    const recovered = await status(agent);
    expect(recovered.isStale).toBe(false);
    expect(recovered.lastError).toBeNull();
    expect(recovered.lastFailure?.code).toBe("UNAVAILABLE");
    const metrics = (await agent.get("/metrics")).body;
    expect(metrics).toMatch(
      /^secrets_agent_failures_total\{code="UNAVAILABLE"\} [1-9]/m,
    );
  }, 40_000);
});

describe("secrets-agent on a cold start with the service down", () => {
  it("writes no file and is not ready until the service starts", async () => {
    const setup = await setUp();
    await createSecret(setup.server, ALGORITHM, "DB_PASSWORD", "p");
    await setup.server.stop("SIGKILL");
    const agent = await setup.start();

    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(existsSync(setup.file)).toBe(false);
    expect((await agent.get("/readyz")).status).toBe(503);
    expect((await status(agent)).lastError?.code).toBe("UNAVAILABLE");

    await setup.server.restart();
    expect(await waitUntil(() => existsSync(setup.file), 31_000)).toBe(true);
    expect(readFileSync(setup.file, "utf8")).toContain("DB_PASSWORD");
    // Readiness flips once the write (rename, then folder fsync) is done.
    const isReady = async () => (await agent.get("/readyz")).status === 200;
    expect(await waitUntil(isReady, 1000)).toBe(true);
  }, 45_000);
});
