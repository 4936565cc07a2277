/**
 * `secrets-server init`, the production path without `--dev`, followed
 * as printed: init, start with one's own certificate, then the printed
 * `secretsctl` lines (run `npm run build` first; `npm test` does).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { makeDevCertificates } from "../../src/server/dev/dev-certificates.js";
import { runNodeBin, runSecretsctl } from "../cli/run-secretsctl.js";
import { serverBinPath } from "../helpers/server-process.js";
import { tmpfsDir } from "../helpers/tmpfs.js";

const modeOf = (path: string) => statSync(path).mode & 0o777;

/** Starts a non-dev server and resolves with its address. */
function startServer(
  args: string[],
): Promise<{ child: ChildProcess; addr: string }> {
  const child = spawn(process.execPath, [serverBinPath(), ...args], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  return new Promise((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`exited with ${code}`)));
    child.stderr?.setEncoding("utf8").on("data", (text: string) => {
      const addr = /"addr":"([^"]+)"[^\n]*"msg":"listening"/.exec(text)?.[1];
      if (addr) resolve({ child, addr });
    });
  });
}

/** The argument after `flag` on the guide's lines. */
function argAfter(guide: string, flag: string): string {
  const found = new RegExp(`${flag} (\\S+)`).exec(guide)?.[1];
  if (!found) throw new Error(`no ${flag} in the guide`);
  return found;
}

describe("secrets-server init", () => {
  const root = tmpfsDir("as-init-");
  const stateDir = join(root, "state");
  const adminToken = join(root, "admin.token");
  let server: ChildProcess | undefined;

  afterAll(() => {
    server?.kill("SIGKILL");
  });

  it("makes the keys with tight modes and no certificates", async () => {
    const run = await runNodeBin(serverBinPath(), [
      "init",
      "--state-dir",
      stateDir,
      "--admin-token-out",
      adminToken,
    ]);
    expect(run.code).toBe(0);
    expect(modeOf(stateDir)).toBe(0o700);
    expect(modeOf(join(stateDir, "kek.json"))).toBe(0o600);
    expect(modeOf(join(stateDir, "token-signing.key"))).toBe(0o600);
    expect(modeOf(adminToken)).toBe(0o600);
    expect(() => statSync(join(stateDir, "server.crt"))).toThrow();
    expect(run.stdout).not.toContain("BEGIN");
    expect(run.stdout).toContain("--tls-cert");
  });

  it("refuses to run twice, naming the file, and keeps the keys", async () => {
    const before = statSync(join(stateDir, "kek.json")).mtimeMs;
    const run = await runNodeBin(serverBinPath(), [
      "init",
      "--state-dir",
      stateDir,
    ]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(join(stateDir, "kek.json"));
    expect(statSync(join(stateDir, "kek.json")).mtimeMs).toBe(before);
  });

  it("leads to a server the printed secretsctl lines work with", async () => {
    const guide = (
      await runNodeBin(serverBinPath(), [
        "init",
        "--state-dir",
        join(root, "fresh"),
      ])
    ).stdout;
    const certificates = await makeDevCertificates();
    const ca = join(root, "ca.crt");
    writeFileSync(ca, certificates.caCertPem);
    writeFileSync(join(root, "server.crt"), certificates.serverCertPem);
    writeFileSync(join(root, "server.key"), certificates.serverKeyPem);
    const started = await startServer([
      "--state-dir",
      stateDir,
      "--listen",
      "127.0.0.1:0",
      "--tls-cert",
      join(root, "server.crt"),
      "--tls-key",
      join(root, "server.key"),
    ]);
    server = started.child;

    // The guide's signing key flag, pointed at this test's state folder.
    const signingKey = argAfter(guide, "--signing-key-file").replace(
      join(root, "fresh"),
      stateDir,
    );
    const issued = await runSecretsctl([
      "token",
      "create",
      "--signing-key-file",
      signingKey,
      "--admin",
      "--algorithm",
      "all",
      "--out",
      join(root, "issued.token"),
    ]);
    expect(issued.code).toBe(0);
    for (const token of [adminToken, join(root, "issued.token")]) {
      const listed = await runSecretsctl([
        "--addr",
        started.addr,
        "--ca-file",
        ca,
        "--token-file",
        token,
        "list",
        "acme/forecast",
      ]);
      expect(listed.stderr).toBe("");
      expect(listed.code).toBe(0);
    }
  });
});
