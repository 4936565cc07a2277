/**
 * An agent serves one algorithm for its whole life, with real processes:
 * a replacement token naming another algorithm is refused, the last good
 * token kept and the refusal shown in `/status` until the file holds a
 * token for the agent's own algorithm again.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
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
  writeAgentToken,
} from "./agent-harness.js";

const ALGORITHM = "demo/token-own";
const OTHER = "demo/token-other";
const OTHER_VALUE = "other-algorithm-canary";
const REFUSED_MSG =
  "token file rejected: the token names another algorithm; keeping the previous token";

let server: ServerProcess;
let agent: AgentProcess;
let tokenFile: string;
// Made before the afterAll below, whose stops therefore run first.
const dir = tmpfsDir("as-e2e-token-algorithm-");

const fileText = () =>
  existsSync(agent.file) ? readFileSync(agent.file, "utf8") : "";
const status = async () => JSON.parse((await agent.get("/status")).body);
const refusedLines = () =>
  agent
    .logs()
    .split("\n")
    .filter((line) => line.includes(REFUSED_MSG));

/** Replaces the token file by rename, as platforms do. */
function replaceToken(token: string): void {
  const staged = join(dir, "staged.token");
  writeFileSync(staged, token);
  renameSync(staged, tokenFile);
}

beforeAll(async () => {
  server = await startServerProcess({ stateDir: join(dir, "server") });
  await createSecret(server, ALGORITHM, "API_KEY", "own-1");
  await createSecret(server, OTHER, "OTHER_KEY", OTHER_VALUE);
  tokenFile = await writeAgentToken(server, ALGORITHM, dir);
  agent = await startAgent({
    addr: server.addr,
    caFile: server.paths.caCert,
    tokenFile,
    file: join(dir, "secrets.env"),
    extraArgs: ["--refresh", "1s", "--debounce", "10ms"],
  });
  expect(await waitUntil(() => fileText().includes("'own-1'"), 5000)).toBe(
    true,
  );
});

afterAll(async () => {
  await agent?.stop();
  await server?.stop();
});

describe("secrets-agent given a token for another algorithm", () => {
  let otherToken: string;

  it("refuses it with one error naming both algorithms, not the token", async () => {
    otherToken = await server.issueAgentToken(OTHER);
    replaceToken(otherToken);
    expect(await waitUntil(() => refusedLines().length > 0, 5000)).toBe(true);
    // A second event on the same file must not log it again.
    replaceToken(otherToken);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(refusedLines()).toHaveLength(1);
    expect(JSON.parse(refusedLines()[0] ?? "{}")).toMatchObject({
      level: "error",
      algorithm: ALGORITHM,
      tokenAlgorithm: OTHER,
    });
    expect(agent.logs()).not.toContain(otherToken);
    expect(agent.logs()).not.toContain(otherToken.split(".")[2]);
  });

  it("keeps serving its own algorithm with the last good token", async () => {
    await updateSecret(server, ALGORITHM, "API_KEY", "own-2");
    expect(await waitUntil(() => fileText().includes("'own-2'"), 5000)).toBe(
      true,
    );
    expect(fileText()).not.toContain(OTHER_VALUE);
    expect((await status()).algorithm).toBe(ALGORITHM);
  });

  it("shows the refusal in /status, across successful refreshes", async () => {
    // Past at least one refresh (1 s), whose success must not clear it.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const now = await status();
    expect(now.lastError).toMatchObject({
      code: "FAILED_PRECONDITION",
      source: "token",
      field: "token-file",
    });
    expect(now.isStale).toBe(false);
    expect(JSON.stringify(now)).not.toContain(otherToken);
  });

  it("clears it once the file holds a token for its algorithm again", async () => {
    replaceToken(await server.issueAgentToken(ALGORITHM));
    expect(
      await waitUntil(async () => (await status()).lastError === null, 5000),
    ).toBe(true);
    await updateSecret(server, ALGORITHM, "API_KEY", "own-3");
    expect(await waitUntil(() => fileText().includes("'own-3'"), 5000)).toBe(
      true,
    );
  });
});
