/**
 * Token rotation, refusal by the service, the file guard and `--once`,
 * with real processes.
 */
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
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

const ALGORITHM = "demo/identity";

let server: ServerProcess;
let agent: AgentProcess;
// Made before the afterAll below, whose stops therefore run first
// (after-hooks run in reverse): no agent is left to restore files into it.
const dir = tmpfsDir("as-e2e-identity-");
let tokenFile: string;
let reloadLog: string;

const fileText = () =>
  existsSync(agent.file) ? readFileSync(agent.file, "utf8") : "";
const reloads = () =>
  existsSync(reloadLog) ? countLines(readFileSync(reloadLog, "utf8")) : 0;
const status = async () => JSON.parse((await agent.get("/status")).body);

/**
 * Swaps the token file's content by rename, as platforms do: written in
 * place, the agent may read it half-written, which it rightly reports as
 * a token file holding no token, and that would blur what a test checks.
 */
function replaceTokenFile(text: string): void {
  const staged = `${tokenFile}.staged`;
  writeFileSync(staged, text);
  renameSync(staged, tokenFile);
}

beforeAll(async () => {
  server = await startServerProcess({ stateDir: join(dir, "server") });
  tokenFile = await writeAgentToken(server, ALGORITHM, dir);
  reloadLog = join(dir, "reloads.log");
  await createSecret(server, ALGORITHM, "API_KEY", "v1");
  agent = await startAgent({
    addr: server.addr,
    caFile: server.paths.caCert,
    tokenFile,
    file: join(dir, "secrets.env"),
    extraArgs: [
      "--refresh",
      "1s",
      "--reload-command",
      `echo r >> ${reloadLog}`,
    ],
  });
  expect(await waitUntil(() => fileText().includes("API_KEY"), 3000)).toBe(
    true,
  );
});

afterAll(async () => {
  await agent?.stop();
  await server?.stop();
});

describe("secrets-agent's file guard", () => {
  it("puts a deleted or edited file back, without a reload", async () => {
    const original = fileText();
    const reloadsBefore = reloads();
    unlinkSync(agent.file);
    expect(await waitUntil(() => fileText() === original, 3000)).toBe(true);
    writeFileSync(agent.file, "export API_KEY='hijacked'\n");
    expect(await waitUntil(() => fileText() === original, 3000)).toBe(true);
    expect(reloads()).toBe(reloadsBefore);
  });

  it("puts the mode back after a chmod, counting a restore", async () => {
    const restores = async () => {
      const metrics = (await agent.get("/metrics")).body;
      const line = /^secrets_agent_restores_total (\d+)/m.exec(metrics);
      return Number(line?.[1] ?? 0);
    };
    const before = await restores();
    chmodSync(agent.file, 0o644);
    const mode = () => statSync(agent.file).mode & 0o777;
    expect(await waitUntil(() => mode() === 0o440, 3000)).toBe(true);
    expect(await waitUntil(async () => (await restores()) > before, 3000)).toBe(
      true,
    );
  });
});

/**
 * Removes a folder the agent may be restoring its file into at that very
 * moment: a temporary file can appear between the emptying and the rmdir
 * (ENOTEMPTY), so the removal is retried.
 */
const REMOVE_RACING_AGENT = { recursive: true, maxRetries: 10, retryDelay: 20 };

describe("secrets-agent's file guard when the folder is removed", () => {
  let guarded: AgentProcess;
  const folder = join(dir, "guarded");
  const file = join(folder, "secrets.env");
  const text = () => (existsSync(file) ? readFileSync(file, "utf8") : "");

  beforeAll(async () => {
    mkdirSync(folder);
    guarded = await startAgent({
      addr: server.addr,
      caFile: server.paths.caCert,
      tokenFile,
      file,
      extraArgs: ["--refresh", "300ms"],
    });
    expect(await waitUntil(() => text().includes("API_KEY"), 3000)).toBe(true);
  });

  afterAll(async () => {
    await guarded?.stop();
  });

  it("puts the file back once the folder is made again, and watches it again", async () => {
    const original = text();
    rmSync(folder, REMOVE_RACING_AGENT);
    mkdirSync(folder);
    expect(await waitUntil(() => text() === original, 3000)).toBe(true);
    writeFileSync(file, "export API_KEY='hijacked'\n");
    expect(await waitUntil(() => text() === original, 3000)).toBe(true);
  });

  it("writes nothing into a folder made again on disk", async () => {
    const onDisk = mkdtempSync(join(tmpdir(), "as-e2e-disk-"));
    try {
      const failures = () =>
        guarded.logs().split("file restore failed").length - 1;
      rmSync(folder, REMOVE_RACING_AGENT);
      symlinkSync(onDisk, folder);
      // Two failed checks after the swap: at least one timed check ran
      // wholly on the folder on disk.
      const before = failures();
      expect(await waitUntil(() => failures() >= before + 2, 3000)).toBe(true);
      expect(readdirSync(onDisk)).toEqual([]);
    } finally {
      rmSync(folder, { recursive: true, force: true });
      rmSync(onDisk, { recursive: true, force: true });
    }
  });
});

describe("secrets-agent's token file", () => {
  it("keeps the last good token when the new one is not a token", async () => {
    writeFileSync(tokenFile, "not a token\n");
    expect(
      await waitUntil(() => agent.logs().includes("token file rejected"), 3000),
    ).toBe(true);
    expect((await status()).lastError).toMatchObject({
      source: "token",
      field: "token-file",
      message: expect.stringContaining("holds no token"),
    });
    await updateSecret(server, ALGORITHM, "API_KEY", "v2");
    expect(await waitUntil(() => fileText().includes("'v2'"), 3000)).toBe(true);
  });

  it("keeps the file and reports UNAUTHENTICATED when the service rejects the new token", async () => {
    // Well-formed and unexpired, so the agent takes it; the signature is
    // wrong, so the service refuses it.
    const good = await server.issueAgentToken(ALGORITHM);
    const unsigned = good.slice(0, good.lastIndexOf(".") + 1);
    replaceTokenFile(`${unsigned}${"A".repeat(86)}`);
    const before = readFileSync(agent.file);
    expect(
      await waitUntil(
        async () => (await status()).lastError?.code === "UNAUTHENTICATED",
        5000,
      ),
    ).toBe(true);
    expect(readFileSync(agent.file).equals(before)).toBe(true);
    expect((await agent.get("/readyz")).status).toBe(200);
    expect(agent.logs()).toContain(
      "service refused the agent; keeping the file",
    );
  });

  it("recovers once a good token is back", async () => {
    const refreshSyncs = async () => {
      const metrics = (await agent.get("/metrics")).body;
      const line = /^secrets_agent_syncs_total\{source="refresh"\} (\d+)/m;
      return Number(line.exec(metrics)?.[1] ?? 0);
    };
    const before = await refreshSyncs();
    // With the rejected token, refreshes fail; a good one makes them work.
    await new Promise((resolve) => setTimeout(resolve, 1200));
    expect(await refreshSyncs()).toBe(before);
    replaceTokenFile(await server.issueAgentToken(ALGORITHM));
    expect(
      await waitUntil(async () => (await refreshSyncs()) > before, 3000),
    ).toBe(true);
    await updateSecret(server, ALGORITHM, "API_KEY", "v3");
    expect(await waitUntil(() => fileText().includes("'v3'"), 5000)).toBe(true);
    const recovered = await status();
    expect(recovered.lastError).toBeNull();
    expect(recovered.lastFailure.code).toBe("UNAUTHENTICATED");
    expect(recovered.isStale).toBe(false);
  });
});

describe("secrets-agent --once", () => {
  it("writes the file and exits 0", async () => {
    const file = join(dir, "once.env");
    const once = await startAgent({
      addr: server.addr,
      caFile: server.paths.caCert,
      tokenFile,
      file,
      extraArgs: ["--once"],
      isNotWaiting: true,
    });
    expect(await once.exited).toBe(0);
    expect(readFileSync(file, "utf8")).toContain("API_KEY");
  });

  it("exits non-zero with a clear message when no snapshot comes in time", async () => {
    const file = join(dir, "once-down.env");
    const once = await startAgent({
      addr: "127.0.0.1:1",
      caFile: server.paths.caCert,
      tokenFile,
      file,
      extraArgs: ["--once", "--once-timeout", "1s"],
      isNotWaiting: true,
    });
    expect(await once.exited).not.toBe(0);
    expect(once.logs()).toContain("--once: no snapshot within");
    expect(existsSync(file)).toBe(false);
  });

  // Both runs keep the default --once-timeout of 60 s; the line they end
  // with shows they gave up on the failure, not on the timeout.
  it("exits at once when the service refuses the token", async () => {
    const good = await server.issueAgentToken(ALGORITHM);
    const forged = join(dir, "forged.token");
    writeFileSync(
      forged,
      `${good.slice(0, good.lastIndexOf(".") + 1)}${"A".repeat(86)}`,
    );
    const file = join(dir, "once-refused.env");
    const once = await startAgent({
      addr: server.addr,
      caFile: server.paths.caCert,
      tokenFile: forged,
      file,
      extraArgs: ["--once"],
      isNotWaiting: true,
    });
    expect(await once.exited).toBe(1);
    expect(once.logs()).toContain("--once: no file written (UNAUTHENTICATED");
    expect(existsSync(file)).toBe(false);
  });

  it("exits at once when the file cannot be written", async () => {
    const folderAtPath = join(dir, "once-folder.env");
    mkdirSync(folderAtPath);
    const once = await startAgent({
      addr: server.addr,
      caFile: server.paths.caCert,
      tokenFile,
      file: folderAtPath,
      extraArgs: ["--once"],
      isNotWaiting: true,
    });
    expect(await once.exited).toBe(1);
    expect(once.logs()).toContain(
      `--once: no file written: file: cannot write ${folderAtPath} (EISDIR)`,
    );
  });
});
