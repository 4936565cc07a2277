/**
 * The agent's fallbacks, with real processes: refresh only (watch stream
 * off with `--no-watch`), a folder that is not in memory, and a CA file
 * that holds no certificate or another CA's.
 */
import {
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statfsSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RAMFS_MAGIC, TMPFS_MAGIC } from "../../src/agent/tmpfs-check.js";
import { makeDevCertificates } from "../../src/server/dev/dev-certificates.js";
import {
  type ServerProcess,
  startServerProcess,
} from "../helpers/server-process.js";
import { tmpfsDir } from "../helpers/tmpfs.js";
import {
  createSecret,
  startAgent,
  updateSecret,
  waitUntil,
  writeAgentToken,
} from "./agent-harness.js";

const ALGORITHM = "demo/fallbacks";
const REFRESH_MS = 2000;

let server: ServerProcess;
// Made before the afterAll below, whose stops therefore run first
// (after-hooks run in reverse): no agent is left to restore files into it.
const dir = tmpfsDir("as-e2e-fallbacks-");
let tokenFile: string;
const stops: Array<() => Promise<unknown>> = [];

beforeAll(async () => {
  server = await startServerProcess({ stateDir: join(dir, "server") });
  tokenFile = await writeAgentToken(server, ALGORITHM, dir);
  await createSecret(server, ALGORITHM, "API_KEY", "v0");
});

afterAll(async () => {
  for (const stop of stops.reverse()) await stop();
  await server?.stop();
});

describe("secrets-agent with the watch stream off (--no-watch)", () => {
  it("delivers each change within refresh × 1.1", async () => {
    const file = join(dir, "refresh-only.env");
    const agent = await startAgent({
      addr: server.addr,
      caFile: server.paths.caCert,
      tokenFile,
      file,
      extraArgs: [
        "--no-watch",
        "--refresh",
        `${REFRESH_MS}ms`,
        "--debounce",
        "10ms",
      ],
    });
    stops.push(() => agent.stop());
    expect(await waitUntil(() => existsSync(file), 3000)).toBe(true);
    const status = JSON.parse((await agent.get("/status")).body);
    expect(status.streamState).toBe("disabled");

    for (const value of ["v1", "v2", "v3"]) {
      await updateSecret(server, ALGORITHM, "API_KEY", value);
      const changedAt = Date.now();
      // refresh × 1.1 is the rule; 150 ms covers the call, the write and
      // this poll on a busy machine.
      const isThere = await waitUntil(
        () => readFileSync(file, "utf8").includes(`'${value}'`),
        REFRESH_MS * 1.1 + 150,
      );
      expect({ value, isThere, ms: Date.now() - changedAt }).toMatchObject({
        isThere: true,
      });
    }
    expect(agent.logs()).not.toContain(
      '"msg":"stream state","streamState":"up"',
    );
  }, 20_000);
});

/** A scratch folder on a disk filesystem, or undefined if /var/tmp is in memory. */
function diskScratch(): string | undefined {
  const type = statfsSync("/var/tmp").type;
  if (type === TMPFS_MAGIC || type === RAMFS_MAGIC) return undefined;
  const folder = mkdtempSync("/var/tmp/as-e2e-disk-");
  // Removed by the afterAll above, once the agents are stopped.
  stops.unshift(async () => rmSync(folder, { recursive: true, force: true }));
  return folder;
}

const diskFolder = diskScratch();

describe.skipIf(!diskFolder)("secrets-agent for a folder on disk", () => {
  it("refuses to start, with a message naming the folder and the override", async () => {
    const folder = diskFolder as string;
    const file = join(folder, "secrets.env");
    const agent = await startAgent({
      addr: server.addr,
      caFile: server.paths.caCert,
      tokenFile,
      file,
      isNotWaiting: true,
    });
    expect(await agent.exited).not.toBe(0);
    expect(agent.logs()).toContain("not on tmpfs or ramfs");
    expect(agent.logs()).toContain("--allow-non-tmpfs");
    expect(existsSync(file)).toBe(false);
  });

  it("works and warns with --allow-non-tmpfs", async () => {
    const folder = diskFolder as string;
    const file = join(folder, "secrets.env");
    const agent = await startAgent({
      addr: server.addr,
      caFile: server.paths.caCert,
      tokenFile,
      file,
      extraArgs: ["--allow-non-tmpfs"],
    });
    stops.push(() => agent.stop());
    expect(await waitUntil(() => existsSync(file), 3000)).toBe(true);
    const warning = agent
      .logs()
      .split("\n")
      .find((line) => line.includes("is not tmpfs or ramfs"));
    expect(warning).toContain('"level":"warn"');
  });
});

describe("secrets-agent given a --ca-file that holds no certificate", () => {
  it("refuses to start, naming the setting, and writes nothing", async () => {
    const caFile = join(dir, "not-a-ca.crt");
    writeFileSync(caFile, "this is not a certificate\n");
    const file = join(dir, "no-ca.env");
    const agent = await startAgent({
      addr: server.addr,
      caFile,
      tokenFile,
      file,
      isNotWaiting: true,
    });
    expect(await agent.exited).toBe(2);
    expect(agent.logs()).toContain("ca-file:");
    expect(agent.logs()).toContain("is not a PEM certificate");
    expect(existsSync(file)).toBe(false);
  });
});

describe("secrets-agent given another CA's certificate as --ca-file", () => {
  it("says in /status that the CA is the problem, not a service that is down", async () => {
    const caFile = join(dir, "other-ca.crt");
    writeFileSync(caFile, (await makeDevCertificates()).caCertPem);
    const agent = await startAgent({
      addr: server.addr,
      caFile,
      tokenFile,
      file: join(dir, "other-ca.env"),
    });
    stops.push(() => agent.stop());
    const lastError = async () =>
      JSON.parse((await agent.get("/status")).body).lastError;
    expect(
      await waitUntil(async () => (await lastError()) !== null, 5000),
    ).toBe(true);
    expect(await lastError()).toMatchObject({
      code: "UNAVAILABLE",
      message: expect.stringContaining("--ca-file"),
    });
    expect(agent.logs()).toContain('"problem":"certificate-untrusted"');
  });
});
