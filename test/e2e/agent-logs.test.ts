/**
 * What the agent's log lines say about a write and a reload, with real
 * processes: counts of written and skipped names, the skipped names
 * (never their values), and one `pid` key per line.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
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
  startAgent,
  waitUntil,
  writeAgentToken,
} from "./agent-harness.js";

const ALGORITHM = "demo/logs";
/** Docker env files hold one line per variable: this one is skipped. */
const MULTILINE_VALUE = "first-line-canary\nsecond-line-canary";

let server: ServerProcess;
let admin: Client;
let agent: AgentProcess;
let reloadTarget: ChildProcess;
// Made before the afterAll below, whose stops therefore run first
// (after-hooks run in reverse): no agent is left to restore files into it.
const dir = tmpfsDir("as-e2e-logs-");

const setSecret = (method: string, envName: string, value: string) =>
  callUnary(admin, method, {
    algorithm: ALGORITHM,
    envName,
    displayName: envName,
    description: "",
    value: Buffer.from(value),
  });

/** The agent's log lines with message `msg`, parsed. */
const linesWith = (msg: string) =>
  agent
    .logs()
    .split("\n")
    .filter((line) => line.includes(`"msg":"${msg}"`))
    .map((line) => ({ text: line, fields: JSON.parse(line) }));

beforeAll(async () => {
  server = await startServerProcess({ stateDir: join(dir, "server") });
  admin = connectAdmin(server, server.adminToken);
  await setSecret("createSecret", "API_KEY", "v1");
  await setSecret("createSecret", "MULTI", MULTILINE_VALUE);
  // Something harmless to signal: SIGCONT to a sleeping process.
  reloadTarget = spawn("sleep", ["120"], { stdio: "ignore" });
  const pidfile = join(dir, "target.pid");
  writeFileSync(pidfile, String(reloadTarget.pid));
  agent = await startAgent({
    addr: server.addr,
    caFile: server.paths.caCert,
    tokenFile: await writeAgentToken(server, ALGORITHM, dir),
    file: join(dir, "secrets.env"),
    extraArgs: [
      "--format",
      "docker",
      "--skip-unrepresentable",
      "--debounce",
      "10ms",
      "--reload-pidfile",
      pidfile,
      "--reload-signal",
      "SIGCONT",
    ],
  });
});

afterAll(async () => {
  admin?.close();
  await agent?.stop();
  reloadTarget?.kill();
  await server?.stop();
});

describe("secrets-agent with --skip-unrepresentable", () => {
  it("counts only the written names and warns with the skipped names", async () => {
    // The warning follows "file written" and may reach the pipe in a
    // later chunk: wait for both.
    const warningLine = () =>
      agent
        .logs()
        .split("\n")
        .find((line) => line.includes("--skip-unrepresentable"));
    expect(
      await waitUntil(
        () => linesWith("file written").length > 0 && !!warningLine(),
        5000,
      ),
    ).toBe(true);
    const written = linesWith("file written")[0]?.fields;
    expect(written).toMatchObject({ envCount: 1, skippedCount: 1 });
    expect(JSON.parse(warningLine() ?? "{}")).toMatchObject({
      level: "warn",
      skippedNames: ["MULTI"],
    });
    expect(readFileSync(agent.file, "utf8")).not.toContain("MULTI=");
    expect(agent.logs()).not.toContain("canary");
  });
});

describe("secrets-agent's reload signal", () => {
  it("logs the signalled pid once, apart from its own", async () => {
    await setSecret("updateSecret", "API_KEY", "v2");
    expect(
      await waitUntil(() => linesWith("reload signal sent").length > 0, 5000),
    ).toBe(true);
    const [line] = linesWith("reload signal sent");
    expect(line?.text.match(/"pid":/g)).toHaveLength(1);
    expect(line?.fields).toMatchObject({
      pid: agent.child.pid,
      targetPid: reloadTarget.pid,
    });
    expect(existsSync(agent.file)).toBe(true);
  });
});
