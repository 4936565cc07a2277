/**
 * Issue 3 "Done when", with real processes: secrets-server --dev,
 * secrets-agent, secretsctl, bash and dash.
 */
import { randomBytes } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
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
  countLines,
  createSecret,
  deleteSecret,
  sourcedValue,
  startAgent,
  updateSecret,
  waitUntil,
  writeAgentToken,
} from "./agent-harness.js";

const ALGORITHM = "demo/delivery";
const REFRESH_MS = 300;

/** grpc-js's own tracing, all of it: the canary must not leak there either. */
const GRPC_TRACING = { GRPC_TRACE: "all", GRPC_VERBOSITY: "DEBUG" };

let server: ServerProcess;
let agent: AgentProcess;
let admin: Client;
// Made before the afterAll below, whose stops therefore run first
// (after-hooks run in reverse): no agent is left to restore files into it.
const dir = tmpfsDir("as-e2e-delivery-");
let reloadLog: string;

const fileText = () => {
  try {
    return readFileSync(agent.file, "utf8");
  } catch {
    return "";
  }
};
const reloads = () => {
  try {
    return countLines(readFileSync(reloadLog, "utf8"));
  } catch {
    return 0;
  }
};
async function metric(name: string): Promise<number> {
  const { body } = await agent.get("/metrics");
  const line = body.split("\n").find((l) => l.startsWith(`${name} `));
  return Number(line?.split(" ")[1] ?? Number.NaN);
}

beforeAll(async () => {
  server = await startServerProcess({
    stateDir: join(dir, "server"),
    extraArgs: ["--log-level", "trace"],
    env: GRPC_TRACING,
  });
  reloadLog = join(dir, "reloads.log");
  agent = await startAgent({
    addr: server.addr,
    caFile: server.paths.caCert,
    tokenFile: await writeAgentToken(server, ALGORITHM, dir),
    file: join(dir, "secrets.env"),
    extraArgs: [
      "--refresh",
      `${REFRESH_MS}ms`,
      "--reload-command",
      `echo reload >> ${reloadLog}`,
    ],
    env: GRPC_TRACING,
  });
  admin = connectAdmin(server, server.adminToken);
  // An algorithm without secrets still gets its (header-only) file.
  expect(await waitUntil(() => fileText().includes("revision=0"), 5000)).toBe(
    true,
  );
});

afterAll(async () => {
  admin?.close();
  await agent?.stop();
  await server?.stop();
});

describe("secrets-agent with the watch stream up", () => {
  const tricky = `it's "q" $HOME \`id\` \\ é\nline two\n`;

  it("puts a created secret in the file within 1 s, exact for bash and dash", async () => {
    await createSecret(server, ALGORITHM, "DB_PASSWORD", tricky);
    const returnedAt = Date.now();
    expect(
      await waitUntil(() => fileText().includes("DB_PASSWORD"), 1000),
    ).toBe(true);
    expect(Date.now() - returnedAt).toBeLessThanOrEqual(1000);
    expect(await sourcedValue("bash", agent.file, "DB_PASSWORD")).toBe(tricky);
    expect(await sourcedValue("dash", agent.file, "DB_PASSWORD")).toBe(tricky);
  });

  it("puts an updated value in the file within 1 s", async () => {
    const before = fileText();
    await updateSecret(server, ALGORITHM, "DB_PASSWORD", "n3w\n");
    expect(await waitUntil(() => fileText() !== before, 1000)).toBe(true);
    expect(await sourcedValue("bash", agent.file, "DB_PASSWORD")).toBe("n3w\n");
    expect(await sourcedValue("dash", agent.file, "DB_PASSWORD")).toBe("n3w\n");
  });

  it("removes a deleted secret from the file within 1 s", async () => {
    await deleteSecret(server, ALGORITHM, "DB_PASSWORD");
    expect(
      await waitUntil(() => !fileText().includes("DB_PASSWORD"), 1000),
    ).toBe(true);
    expect(
      await sourcedValue("bash", agent.file, "DB_PASSWORD"),
    ).toBeUndefined();
    expect(
      await sourcedValue("dash", agent.file, "DB_PASSWORD"),
    ).toBeUndefined();
  });

  it("leaves the file alone over ten identical refreshes, with no reload", async () => {
    const before = statSync(agent.file, { bigint: true });
    const reloadsBefore = reloads();
    const syncsBefore = await metric(
      'secrets_agent_syncs_total{source="refresh"}',
    );
    const writesBefore = await metric("secrets_agent_writes_total");

    await waitUntil(
      async () => {
        const syncs = await metric(
          'secrets_agent_syncs_total{source="refresh"}',
        );
        return syncs >= syncsBefore + 10;
      },
      REFRESH_MS * 1.1 * 12,
    );

    const after = statSync(agent.file, { bigint: true });
    expect(
      await metric('secrets_agent_syncs_total{source="refresh"}'),
    ).toBeGreaterThanOrEqual(syncsBefore + 10);
    expect(after.ino).toBe(before.ino);
    expect(after.mtimeNs).toBe(before.mtimeNs);
    expect(await metric("secrets_agent_writes_total")).toBe(writesBefore);
    expect(reloads()).toBe(reloadsBefore);
  });

  // "At once" is what reaches the agent together: the service commits each
  // change as its own revision, so three parallel calls arrive as three
  // stream messages, a few ms apart on an idle machine but up to ~50 ms
  // apart under load, beyond the agent's 25 ms settle. Holding the agent
  // (SIGSTOP) while the three commit makes them arrive together whatever
  // the machine's load, which is the case the one-write rule is about.
  it("turns three changes that arrive together into one write and one reload", async () => {
    const reloadsBefore = reloads();
    const writesBefore = await metric("secrets_agent_writes_total");
    agent.child.kill("SIGSTOP");
    try {
      await Promise.all(
        ["ONE", "TWO", "THREE"].map((envName) =>
          callUnary(admin, "createSecret", {
            algorithm: ALGORITHM,
            envName,
            displayName: envName,
            description: "",
            value: Buffer.from(`v-${envName}`),
          }),
        ),
      );
      // The stream messages left the service before its answers did;
      // give them the time to reach the agent's socket.
      await new Promise((resolve) => setTimeout(resolve, 100));
    } finally {
      agent.child.kill("SIGCONT");
    }
    const hasAll = () =>
      ["ONE", "TWO", "THREE"].every((n) => fileText().includes(n));
    expect(await waitUntil(hasAll, 2000)).toBe(true);
    // Give a stray second write or reload the time to show up.
    await waitUntil(() => reloads() > reloadsBefore + 1, 1500);
    expect(await metric("secrets_agent_writes_total")).toBe(writesBefore + 1);
    expect(reloads()).toBe(reloadsBefore + 1);
  });

  it("keeps the file as it is when a new revision leaves names and values alone", async () => {
    await createSecret(server, ALGORITHM, "STEADY", "same");
    expect(await waitUntil(() => fileText().includes("STEADY"), 2000)).toBe(
      true,
    );
    // Let the create's own reload go out first.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const before = statSync(agent.file, { bigint: true });
    const writesBefore = await metric("secrets_agent_writes_total");
    const revisionBefore = await metric("secrets_agent_revision");
    const reloadsBefore = reloads();

    await callUnary(admin, "updateSecret", {
      algorithm: ALGORITHM,
      envName: "STEADY",
      displayName: "Renamed only",
    });
    await updateSecret(server, ALGORITHM, "STEADY", "same");
    expect(
      await waitUntil(
        async () =>
          (await metric("secrets_agent_revision")) >= revisionBefore + 2,
        2000,
      ),
    ).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 300));

    const after = statSync(agent.file, { bigint: true });
    expect(after.ino).toBe(before.ino);
    expect(after.mtimeNs).toBe(before.mtimeNs);
    expect(await metric("secrets_agent_writes_total")).toBe(writesBefore);
    expect(reloads()).toBe(reloadsBefore);
  });

  describe("with a canary value planted", () => {
    it("never shows the value or the token in logs, responses or process listings", async () => {
      const canary = `canary-${randomBytes(12).toString("hex")}`;
      await createSecret(server, ALGORITHM, "CANARY", canary);
      expect(await waitUntil(() => fileText().includes(canary), 2000)).toBe(
        true,
      );
      const listsCanary = async () =>
        JSON.parse((await agent.get("/status")).body).envNames.includes(
          "CANARY",
        );
      expect(await waitUntil(listsCanary, 1000)).toBe(true);
      const token = readFileSync(join(dir, "agent.token"), "utf8").trim();

      const responses = await Promise.all(
        ["/healthz", "/readyz", "/status", "/metrics", "/nope"].map(
          async (path) => (await agent.get(path)).body,
        ),
      );
      const places = {
        agentLogs: agent.logs(),
        serverLogs: server.logs(),
        responses: responses.join("\n"),
        cmdlines: allCommandLines(),
      };
      // The logs were as verbose as they get, so the check means something.
      expect(places.agentLogs).toContain('"level":"trace"');
      // grpc-js's own debug lines: raw in the agent ("D <time> | <version>
      // <pid> | <tracer> |"), through pino in the server.
      expect(places.agentLogs).toMatch(/^D \S+ \| v[\d.]+ \d+ \| /m);
      expect(places.serverLogs).toContain('"msg":"grpc-js diagnostic"');
      for (const [place, text] of Object.entries(places)) {
        expect({ place, hasCanary: text.includes(canary) }).toEqual({
          place,
          hasCanary: false,
        });
        expect({ place, hasToken: text.includes(token) }).toEqual({
          place,
          hasToken: false,
        });
      }
      expect(JSON.parse(responses[2] ?? "{}").envNames).toContain("CANARY");
    });
  });
});

/** The command lines of every process on the machine. */
function allCommandLines(): string {
  const lines: string[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      lines.push(
        readFileSync(`/proc/${entry}/cmdline`, "utf8").replaceAll("\0", " "),
      );
    } catch {
      // The process ended while we looked.
    }
  }
  return lines.join("\n");
}
