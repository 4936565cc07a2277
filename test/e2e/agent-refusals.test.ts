/**
 * Secrets the env file cannot hold, with real processes: a value the
 * `docker` format cannot carry. Left out under --skip-unrepresentable
 * (status lists only the file's names), or keeping the file on its old
 * snapshot (status and metrics say the file is behind, the log gives the
 * reason), or, with --once, failing the run at once.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Client } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  callUnary,
  connectAdmin,
  type ServerProcess,
  startServerProcess,
} from "../helpers/server-process.js";
import { tmpfsDir } from "../helpers/tmpfs.js";
import {
  type AgentProcess,
  agentBinPath,
  startAgent,
  waitUntil,
  writeAgentToken,
} from "./agent-harness.js";

/** Docker reads one line per variable: this value is refused. */
const CANARY = "refused-canary-4f1e";
const MULTILINE_VALUE = `${CANARY}\nsecond-line`;
const REFUSAL_REASON = "value the docker format cannot carry";

let server: ServerProcess;
let admin: Client;
const agents: AgentProcess[] = [];
// Made before the afterAll below, whose stops therefore run first.
const dir = tmpfsDir("as-e2e-refusals-");

const setSecret = (algorithm: string, envName: string, value: string) =>
  callUnary(admin, "createSecret", {
    algorithm,
    envName,
    displayName: envName,
    description: "",
    value: Buffer.from(value),
  });

const deleteSecret = (algorithm: string, envName: string) =>
  callUnary(admin, "deleteSecret", { algorithm, envName });

/** A folder of its own for one algorithm's token and file. */
function folderFor(algorithm: string): string {
  const folder = join(dir, algorithm.replace("/", "-"));
  mkdirSync(folder);
  return folder;
}

async function startDockerAgent(algorithm: string, extraArgs: string[]) {
  const folder = folderFor(algorithm);
  const agent = await startAgent({
    addr: server.addr,
    caFile: server.paths.caCert,
    tokenFile: await writeAgentToken(server, algorithm, folder),
    file: join(folder, "secrets.env"),
    extraArgs: ["--format", "docker", "--debounce", "10ms", ...extraArgs],
  });
  agents.push(agent);
  return agent;
}

async function statusOf(agent: AgentProcess) {
  return JSON.parse((await agent.get("/status")).body);
}

async function metricOf(agent: AgentProcess, name: string): Promise<number> {
  const { body } = await agent.get("/metrics");
  const line = body.split("\n").find((l) => l.startsWith(`${name} `));
  return Number(line?.split(" ")[1] ?? Number.NaN);
}

/** The agent's log lines with message `msg`, parsed. */
function logLines(logs: string, msg: string): Record<string, unknown>[] {
  return logs
    .split("\n")
    .filter((line) => line.includes(`"msg":"${msg}"`))
    .map((line) => JSON.parse(line));
}

beforeAll(async () => {
  server = await startServerProcess({ stateDir: join(dir, "server") });
  admin = connectAdmin(server, server.adminToken);
});

afterAll(async () => {
  admin?.close();
  for (const agent of agents) await agent.stop();
  await server?.stop();
});

describe("secrets-agent with --skip-unrepresentable", () => {
  it("lists only the file's names in envNames, the left-out ones in skippedNames", async () => {
    const algorithm = "demo/skipped";
    await setSecret(algorithm, "GOOD", "v1");
    await setSecret(algorithm, "MULTI", MULTILINE_VALUE);
    const agent = await startDockerAgent(algorithm, ["--skip-unrepresentable"]);
    const isReady = async () => (await statusOf(agent)).isReady;
    expect(await waitUntil(isReady, 10_000)).toBe(true);

    const status = await statusOf(agent);
    expect(status.envNames).toEqual(["GOOD"]);
    expect(status.skippedNames).toEqual(["MULTI"]);
    expect(status.isFileCurrent).toBe(true);
  });
});

describe("secrets-agent when a new value is refused", () => {
  const algorithm = "demo/stuck";
  let agent: AgentProcess;

  beforeAll(async () => {
    await setSecret(algorithm, "GOOD", "v1");
    agent = await startDockerAgent(algorithm, ["--refresh", "300ms"]);
    const isCurrent = async () =>
      (await metricOf(agent, "secrets_agent_file_current")) === 1;
    expect(await waitUntil(isCurrent, 10_000)).toBe(true);
  });

  it("says in metrics and status that the file is behind, and stays so", async () => {
    await setSecret(algorithm, "MULTI", MULTILINE_VALUE);
    const isBehind = async () =>
      (await metricOf(agent, "secrets_agent_file_current")) === 0;
    expect(await waitUntil(isBehind, 5000)).toBe(true);

    // Refreshes succeed meanwhile; the file stays behind all the same.
    const successBefore = await metricOf(
      agent,
      "secrets_agent_last_success_timestamp_seconds",
    );
    const hasNewSuccess = async () =>
      (await metricOf(agent, "secrets_agent_last_success_timestamp_seconds")) >
      successBefore;
    expect(await waitUntil(hasNewSuccess, 5000)).toBe(true);
    expect(await metricOf(agent, "secrets_agent_file_current")).toBe(0);

    const status = await statusOf(agent);
    expect(status.isFileCurrent).toBe(false);
    expect(status.latestRevision).toBeGreaterThan(status.revision);
    expect(status.envNames).toEqual(["GOOD"]);
    expect(status.lastFailure).toMatchObject({
      code: "FAILED_PRECONDITION",
      source: "file",
      field: "MULTI",
    });
  });

  it("logs the refused variable with a fixed reason, never the value", () => {
    const [line] = logLines(agent.logs(), "file not written");
    expect(line).toMatchObject({
      code: "FAILED_PRECONDITION",
      field: "MULTI",
      reason: REFUSAL_REASON,
    });
    expect(agent.logs()).not.toContain(CANARY);
  });

  it("is current again once the refused secret is gone", async () => {
    await deleteSecret(algorithm, "MULTI");
    const isCurrent = async () =>
      (await metricOf(agent, "secrets_agent_file_current")) === 1;
    expect(await waitUntil(isCurrent, 5000)).toBe(true);
    expect((await statusOf(agent)).isFileCurrent).toBe(true);
  });
});

describe("secrets-agent --once when a value is refused", () => {
  it("fails at once with one stderr line naming the variable", async () => {
    const algorithm = "demo/once-refused";
    await setSecret(algorithm, "GOOD", "v1");
    await setSecret(algorithm, "MULTI", MULTILINE_VALUE);
    const folder = folderFor(algorithm);
    const file = join(folder, "secrets.env");
    const startedAt = Date.now();
    const run = await runAgentOnce([
      "--addr",
      server.addr,
      "--ca-file",
      server.paths.caCert,
      "--token-file",
      await writeAgentToken(server, algorithm, folder),
      "--file",
      file,
      "--format",
      "docker",
      "--once",
    ]);

    // Far below the default --once-timeout of 60 s.
    expect(Date.now() - startedAt).toBeLessThan(15_000);
    expect(run.exitCode).toBe(1);
    // The log lines (JSON) go to stderr too; the message is the one other.
    const messages = run.stderr
      .split("\n")
      .filter((line) => line !== "" && !line.startsWith("{"));
    expect(messages).toHaveLength(1);
    expect(messages[0]).toContain("MULTI");
    expect(run.stderr + run.stdout).not.toContain(CANARY);
    expect(logLines(run.stderr, "file not written")[0]).toMatchObject({
      field: "MULTI",
      reason: REFUSAL_REASON,
    });
    expect(existsSync(file)).toBe(false);
  });
});

/** Runs the agent to its end, stdout and stderr apart. */
function runAgentOnce(args: string[]) {
  const child = spawn(process.execPath, [agentBinPath(), ...args], {
    env: { PATH: process.env.PATH ?? "" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (text) => {
    stdout += text;
  });
  child.stderr.setEncoding("utf8").on("data", (text) => {
    stderr += text;
  });
  return new Promise<{
    exitCode: number | null;
    stdout: string;
    stderr: string;
  }>((resolve) => {
    child.once("close", (exitCode) => resolve({ exitCode, stdout, stderr }));
  });
}
