/**
 * Atomic replacement under load, with real processes: a dash loop keeps
 * sourcing the env file while the agent rewrites it 1,000 times; it must
 * never see a partial file, and mode and group must hold every time.
 */
import { spawn } from "node:child_process";
import { readFileSync, statSync, writeFileSync } from "node:fs";
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

const ALGORITHM = "demo/rotation";
const ROTATIONS = 1000;
const FILE_GID = 65_534;
/** Big enough that a torn write would show. */
const PADDING = "x".repeat(16 * 1024);

/**
 * Sources the file in a subshell, over and over, until the stop file
 * appears. A good file has V = "N:…:N" and ZZ_END = ok (written last).
 * Prints "<good reads> <bad reads>".
 */
const READER_SCRIPT = `
f=$1; stop=$2; good=0; bad=0
check() {
  . "$f" || return 1
  [ "$ZZ_END" = ok ] || return 1
  [ "\${V%%:*}" = "\${V##*:}" ] || return 1
}
while [ ! -e "$stop" ]; do
  if (check) 2>/dev/null; then good=$((good+1)); else bad=$((bad+1)); fi
done
echo "$good $bad"
`;

let server: ServerProcess;
let agent: AgentProcess;
let admin: Client;
// Made before the afterAll below, whose stops therefore run first
// (after-hooks run in reverse): no agent is left to restore files into it.
const dir = tmpfsDir("as-e2e-rotation-");

const valueFor = (i: number) => Buffer.from(`${i}:${PADDING}:${i}`);
const setSecret = (method: string, envName: string, value: Buffer) =>
  callUnary(admin, method, {
    algorithm: ALGORITHM,
    envName,
    displayName: envName,
    description: "",
    value,
  });

beforeAll(async () => {
  server = await startServerProcess({ stateDir: join(dir, "server") });
  admin = connectAdmin(server, server.adminToken);
  await setSecret("createSecret", "V", valueFor(0));
  await setSecret("createSecret", "ZZ_END", Buffer.from("ok"));
  agent = await startAgent({
    addr: server.addr,
    caFile: server.paths.caCert,
    tokenFile: await writeAgentToken(server, ALGORITHM, dir),
    file: join(dir, "secrets.env"),
    extraArgs: ["--debounce", "1ms", "--file-group", String(FILE_GID)],
  });
});

afterAll(async () => {
  admin?.close();
  await agent?.stop();
  await server?.stop();
});

describe("secrets-agent rewriting the file 1,000 times", () => {
  it("never lets a reader see a partial file; mode and group hold", async () => {
    expect(await waitUntil(() => hasRotation(0), 5000)).toBe(true);
    const stopFile = join(dir, "stop");
    const reader = spawn(
      "dash",
      ["-c", READER_SCRIPT, "reader", agent.file, stopFile],
      {
        stdio: ["ignore", "pipe", "inherit"],
      },
    );
    let readerOutput = "";
    reader.stdout.setEncoding("utf8").on("data", (text: string) => {
      readerOutput += text;
    });
    const readerDone = new Promise((resolve) => reader.once("exit", resolve));

    const wrongModes: string[] = [];
    for (let i = 1; i <= ROTATIONS; i += 1) {
      await setSecret("updateSecret", "V", valueFor(i));
      if (!(await waitUntil(() => hasRotation(i), 2000))) {
        throw new Error(`rotation ${i} did not reach the file`);
      }
      const stat = statSync(agent.file);
      if ((stat.mode & 0o777) !== 0o440 || stat.gid !== FILE_GID) {
        wrongModes.push(`${i}: ${(stat.mode & 0o777).toString(8)} ${stat.gid}`);
      }
    }
    writeFileSync(stopFile, "");
    await readerDone;

    const [good, bad] = readerOutput.trim().split(" ").map(Number);
    expect(bad).toBe(0);
    expect(good).toBeGreaterThan(100);
    expect(wrongModes).toEqual([]);
    const metrics = (await agent.get("/metrics")).body;
    const writes = /^secrets_agent_writes_total (\d+)/m.exec(metrics)?.[1];
    expect(Number(writes)).toBeGreaterThanOrEqual(ROTATIONS);
  }, 180_000);
});

function hasRotation(i: number): boolean {
  try {
    return readFileSync(agent.file, "utf8").includes(`:${i}'`);
  } catch {
    return false;
  }
}
