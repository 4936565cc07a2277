/**
 * Token replacement with real processes: an agent started with an
 * expired token (so the service refuses it and the agent is on the slow
 * path, `--refresh 60s`) must pick up a good token as soon as it lands,
 * whether it is written in place, renamed over the old file, or swapped
 * in Kubernetes-style through a `..data` symlink. Recovery well before
 * the next slow retry is the behaviour under test, not a speed.
 */
import {
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type ServerProcess,
  startServerProcess,
} from "../helpers/server-process.js";
import { tmpfsDir } from "../helpers/tmpfs.js";
import {
  type AgentProcess,
  createSecret,
  startAgent,
  updateSecret,
  waitUntil,
} from "./agent-harness.js";

const ALGORITHM = "demo/token-swap";
/** Far longer than any wait below: only a token-triggered retry passes. */
const SLOW_REFRESH = "60s";
/** How long a recovery may take before the test gives up, in ms. */
const RECOVERY_WAIT_MS = 10_000;

let server: ServerProcess;
const agents: AgentProcess[] = [];
// Made before the afterAll below, whose stops therefore run first
// (after-hooks run in reverse): no agent is left to restore files into it.
const dir = tmpfsDir("as-e2e-token-swap-");

beforeAll(async () => {
  server = await startServerProcess({ stateDir: join(dir, "server") });
  await createSecret(server, ALGORITHM, "API_KEY", "v1");
});

afterAll(async () => {
  for (const agent of agents) await agent.stop();
  await server?.stop();
});

/** A token for the algorithm that has already expired. */
async function expiredToken(): Promise<string> {
  const token = await server.issueAgentToken(ALGORITHM, 1);
  await new Promise((resolve) => setTimeout(resolve, 1100));
  return token;
}

/** `<dir>/<name>/token`, holding an expired token. */
async function expiredTokenFile(name: string): Promise<string> {
  const tokenFile = join(dir, name, "token");
  mkdirSync(join(dir, name));
  writeFileSync(tokenFile, await expiredToken());
  return tokenFile;
}

async function startRefusedAgent(name: string, tokenFile: string) {
  const agent = await startAgent({
    addr: server.addr,
    caFile: server.paths.caCert,
    tokenFile,
    file: join(dir, `${name}.env`),
    extraArgs: ["--refresh", SLOW_REFRESH, "--debounce", "10ms"],
  });
  agents.push(agent);
  const lastFailure = async () =>
    JSON.parse((await agent.get("/status")).body).lastFailure?.code;
  expect(
    await waitUntil(
      async () => (await lastFailure()) === "UNAUTHENTICATED",
      RECOVERY_WAIT_MS,
    ),
  ).toBe(true);
  expect(existsSync(agent.file)).toBe(false);
  return agent;
}

const hasValue = (agent: AgentProcess, value: string) => () =>
  existsSync(agent.file) &&
  readFileSync(agent.file, "utf8").includes(`'${value}'`);

describe("secrets-agent started with an expired token", () => {
  it("says so at start, naming the expiry but not the token", async () => {
    const tokenFile = await expiredTokenFile("expired");
    const token = readFileSync(tokenFile, "utf8");
    const agent = await startRefusedAgent("expired", tokenFile);
    const line = agent
      .logs()
      .split("\n")
      .find((text) => text.includes('"msg":"token expired"'));
    expect(line).toContain('"level":"error"');
    expect(line).toMatch(/"expiredAt":"\d{4}-\d\d-\d\dT/);
    expect(agent.logs()).not.toContain(token);
    expect(agent.logs()).not.toContain(token.split(".")[2]);
  });
});

describe("secrets-agent refused by the service", () => {
  it("retries at once when a good token is renamed over the old one", async () => {
    const tokenFile = await expiredTokenFile("renamed");
    const agent = await startRefusedAgent("renamed", tokenFile);

    // Written elsewhere on the same filesystem, then renamed over.
    const staged = join(dir, "renamed-staged.token");
    writeFileSync(staged, await server.issueAgentToken(ALGORITHM));
    renameSync(staged, tokenFile);
    expect(await waitUntil(hasValue(agent, "v1"), RECOVERY_WAIT_MS)).toBe(true);
    const status = JSON.parse((await agent.get("/status")).body);
    expect(status.lastError).toBeNull();
    expect(status.lastFailure.code).toBe("UNAUTHENTICATED");
    expect(status.isStale).toBe(false);
  }, 30_000);

  it("retries at once when the token is rewritten in place", async () => {
    const tokenFile = await expiredTokenFile("in-place");
    const agent = await startRefusedAgent("in-place", tokenFile);

    writeFileSync(tokenFile, await server.issueAgentToken(ALGORITHM));
    expect(await waitUntil(hasValue(agent, "v1"), RECOVERY_WAIT_MS)).toBe(true);
  }, 30_000);

  it("retries at once after a Kubernetes-style ..data swap", async () => {
    const folder = join(dir, "projected");
    mkdirSync(folder);
    const writeVersion = (name: string, token: string) => {
      mkdirSync(join(folder, name));
      writeFileSync(join(folder, name, "token"), token);
      symlinkSync(name, join(folder, "..data_tmp"));
      renameSync(join(folder, "..data_tmp"), join(folder, "..data"));
    };
    writeVersion("..v1", await expiredToken());
    symlinkSync("..data/token", join(folder, "token"));
    const agent = await startRefusedAgent("projected", join(folder, "token"));

    writeVersion("..v2", await server.issueAgentToken(ALGORITHM));
    rmSync(join(folder, "..v1"), { recursive: true });
    expect(await waitUntil(hasValue(agent, "v1"), RECOVERY_WAIT_MS)).toBe(true);
    // And it keeps following: a change still arrives on the stream.
    await updateSecret(server, ALGORITHM, "API_KEY", "v2");
    expect(await waitUntil(hasValue(agent, "v2"), RECOVERY_WAIT_MS)).toBe(true);
  }, 30_000);
});
