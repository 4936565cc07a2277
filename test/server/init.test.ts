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
  /** The certificate and key the third test writes; later flags win. */
  const tlsFlags = [
    "--tls-cert",
    join(root, "server.crt"),
    "--tls-key",
    join(root, "server.key"),
  ];

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
      ...tlsFlags,
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

  describe("given TLS files that cannot serve", () => {
    const cases: Array<[string, () => Promise<string[]>, string]> = [
      [
        "a key that is not the certificate's",
        async () => {
          const other = await makeDevCertificates();
          writeFileSync(join(root, "other.key"), other.serverKeyPem);
          return ["--tls-key", join(root, "other.key")];
        },
        "tls-key",
      ],
      [
        "the certificate and the key swapped",
        async () => [
          "--tls-cert",
          join(root, "server.key"),
          "--tls-key",
          join(root, "server.crt"),
        ],
        "tls-cert",
      ],
      [
        "a client CA file that holds a key",
        async () => ["--tls-client-ca", join(root, "server.key")],
        "tls-client-ca",
      ],
    ];
    for (const [name, flags, field] of cases) {
      it(`refuses ${name} at start, naming ${field}`, async () => {
        const run = await runNodeBin(
          serverBinPath(),
          [
            // Made by init above and not in use by any server.
            "--state-dir",
            join(root, "fresh"),
            "--listen",
            "127.0.0.1:0",
            ...tlsFlags,
            ...(await flags()),
          ],
          { timeoutMs: 20_000 },
        );
        expect(run.code).toBe(1);
        expect(run.stderr).toContain(`"field":"${field}"`);
        expect(run.stderr).not.toContain("listening");
      });
    }
  });
});
