import { generateKeyPairSync, randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EXIT_CODES } from "../../src/cli/report-error.js";
import type { ListSecretsResponse } from "../../src/shared/messages.js";
import { MAX_VALUE_BYTES } from "../../src/shared/names.js";
import {
  callUnary,
  connectAdmin,
  type ServerProcess,
  startServerProcess,
} from "../helpers/server-process.js";
import { tmpfsDir } from "../helpers/tmpfs.js";
import { type CliRun, runSecretsctl } from "./run-secretsctl.js";

const CANARY = `canary-${randomBytes(12).toString("hex")}`;
const ALGORITHM = "demo/errors";

/** A file that exists but holds no certificate. */
const NOT_PEM = join(tmpfsDir("as-cli-fixtures-"), "not-a-ca.crt");
writeFileSync(NOT_PEM, "this is not a certificate\n");

/** A token file holding two token-shaped lines. */
const TWO_TOKENS = join(tmpfsDir("as-cli-fixtures-"), "two.token");
writeFileSync(TWO_TOKENS, "aaa.bbb.ccc\nddd.eee.fff\n");

/** A PEM private key that is not Ed25519, which tokens are signed with. */
const EC_KEY = join(tmpfsDir("as-cli-fixtures-"), "ec.key");
writeFileSync(
  EC_KEY,
  generateKeyPairSync("ec", { namedCurve: "prime256v1" }).privateKey.export({
    type: "pkcs8",
    format: "pem",
  }),
);

interface Refusal {
  name: string;
  args: string[];
  /** More arguments, for lines too long to read as one list. */
  extraArgs?: string[];
  stdin?: Buffer | string;
  exitCode: number;
}

const REFUSALS: Refusal[] = [
  {
    name: "a malformed algorithm",
    args: ["create", "demo", "DB_PASSWORD", "--display-name", "x"],
    stdin: CANARY,
    exitCode: EXIT_CODES.usage,
  },
  {
    name: "a reserved env name",
    args: ["create", ALGORITHM, "ENV", "--display-name", "x"],
    stdin: CANARY,
    exitCode: EXIT_CODES.usage,
  },
  {
    name: "a loader env name",
    args: ["create", ALGORITHM, "LD_PRELOAD", "--display-name", "x"],
    stdin: CANARY,
    exitCode: EXIT_CODES.usage,
  },
  {
    name: "a missing --display-name",
    args: ["create", ALGORITHM, "OTHER"],
    stdin: CANARY,
    exitCode: EXIT_CODES.usage,
  },
  {
    name: "a display name with a newline",
    args: ["create", ALGORITHM, "OTHER", "--display-name", "two\nlines"],
    stdin: CANARY,
    exitCode: EXIT_CODES.usage,
  },
  {
    name: "a display name with a right-to-left override",
    args: ["create", ALGORITHM, "OTHER", "--display-name", "db\u202epassword"],
    stdin: CANARY,
    exitCode: EXIT_CODES.usage,
  },
  {
    name: "a description holding a token",
    args: ["update", ALGORITHM, "SEED", "--description"],
    extraArgs: [`token eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJ4In0.${CANARY}`],
    exitCode: EXIT_CODES.usage,
  },
  {
    name: "a description with an escape character",
    args: ["update", ALGORITHM, "SEED", "--description", "\u001b[2Jgone"],
    exitCode: EXIT_CODES.usage,
  },
  {
    name: "a value file that does not exist",
    args: [
      "create",
      ALGORITHM,
      "OTHER",
      "--display-name",
      "x",
      "--value-file",
      "/nonexistent/value",
    ],
    exitCode: EXIT_CODES.usage,
  },
  {
    name: "a --token-file that does not exist",
    args: ["list", ALGORITHM, "--token-file", "/nonexistent/admin.token"],
    exitCode: EXIT_CODES.usage,
  },
  {
    name: "a --token-file that holds a certificate",
    args: ["list", ALGORITHM, "--token-file", NOT_PEM],
    exitCode: EXIT_CODES.usage,
  },
  {
    name: "a --token-file that holds two tokens",
    args: ["list", ALGORITHM, "--token-file", TWO_TOKENS],
    exitCode: EXIT_CODES.usage,
  },
  {
    name: "a --signing-key-file that is not an Ed25519 key",
    args: ["token", "create", "--algorithm", ALGORITHM],
    extraArgs: ["--signing-key-file", EC_KEY],
    exitCode: EXIT_CODES.usage,
  },
  {
    name: "a --ca-file that does not exist",
    args: ["list", ALGORITHM, "--ca-file", "/nonexistent/ca.crt"],
    exitCode: EXIT_CODES.usage,
  },
  {
    name: "a --ca-file that is not a PEM certificate",
    args: ["list", ALGORITHM, "--ca-file", NOT_PEM],
    exitCode: EXIT_CODES.usage,
  },
  {
    name: "a --signing-key-file that does not exist",
    args: ["token", "create", "--algorithm", ALGORITHM],
    extraArgs: ["--signing-key-file", "/nonexistent/signing.key"],
    exitCode: EXIT_CODES.usage,
  },
  {
    name: "an --out in a folder that does not exist",
    args: ["token", "create", "--algorithm", ALGORITHM],
    extraArgs: ["--out", "/nonexistent/dir/agent.token"],
    exitCode: EXIT_CODES.usage,
  },
  {
    name: "an admin token for all and a named algorithm",
    args: ["token", "create", "--admin", "--algorithm", "all"],
    extraArgs: ["--algorithm", ALGORITHM],
    exitCode: EXIT_CODES.usage,
  },
  {
    name: "a duplicate create",
    args: ["create", ALGORITHM, "SEED", "--display-name", "again"],
    stdin: CANARY,
    exitCode: EXIT_CODES.alreadyExists,
  },
  {
    name: "an update of a missing secret",
    args: ["update", ALGORITHM, "MISSING", "--value-stdin"],
    stdin: CANARY,
    exitCode: EXIT_CODES.notFound,
  },
  {
    name: "a delete of a missing secret",
    args: ["delete", ALGORITHM, "MISSING"],
    exitCode: EXIT_CODES.notFound,
  },
  {
    name: "a value with NUL",
    args: ["create", ALGORITHM, "OTHER", "--display-name", "x"],
    stdin: Buffer.from(`${CANARY}\0tail`),
    exitCode: EXIT_CODES.usage,
  },
  {
    name: "a value that is not UTF-8",
    args: ["update", ALGORITHM, "SEED", "--value-stdin"],
    stdin: Buffer.concat([Buffer.from(CANARY), Buffer.from([0xff, 0xfe])]),
    exitCode: EXIT_CODES.usage,
  },
  {
    name: "a value over the size limit",
    args: ["update", ALGORITHM, "SEED", "--value-stdin"],
    stdin: CANARY.repeat(Math.ceil((MAX_VALUE_BYTES + 1) / CANARY.length)),
    exitCode: EXIT_CODES.usage,
  },
  {
    name: "a value on the command line",
    args: [
      "create",
      ALGORITHM,
      "OTHER",
      "--display-name",
      "x",
      "--value",
      CANARY,
    ],
    exitCode: EXIT_CODES.usage,
  },
  {
    name: "a value as an extra argument",
    args: ["create", ALGORITHM, "OTHER", CANARY, "--display-name", "x"],
    exitCode: EXIT_CODES.usage,
  },
  {
    name: "an update that changes nothing",
    args: ["update", ALGORITHM, "SEED"],
    exitCode: EXIT_CODES.usage,
  },
  {
    name: "two value sources",
    args: ["update", ALGORITHM, "SEED", "--value-stdin", "--value-file", "/x"],
    stdin: CANARY,
    exitCode: EXIT_CODES.usage,
  },
];

describe("secretsctl refusals", () => {
  const workDir = tmpfsDir("as-cli-errors-");
  let server: ServerProcess;
  let env: Record<string, string>;

  async function storeState() {
    const client = connectAdmin(server, server.adminToken);
    try {
      const listed = await callUnary<ListSecretsResponse>(
        client,
        "listSecrets",
        {
          algorithm: ALGORITHM,
        },
      );
      return listed.secrets.map((s) => [s.envName, s.version, s.displayName]);
    } finally {
      client.close();
    }
  }

  function expectOneErrorLine(run: CliRun): void {
    expect(run.stdout).toBe("");
    expect(run.stderr.endsWith("\n")).toBe(true);
    expect(run.stderr.trimEnd().split("\n")).toHaveLength(1);
    expect(run.stderr.startsWith("secretsctl: ")).toBe(true);
    expect(run.stderr).not.toContain(CANARY);
  }

  beforeAll(async () => {
    server = await startServerProcess({
      stateDir: join(workDir, "state"),
    });
    env = {
      SECRETS_ADDR: server.addr,
      SECRETS_STATE_DIR: server.stateDir,
    };
    const seeded = await runSecretsctl(
      ["create", ALGORITHM, "SEED", "--display-name", "seed"],
      { env, stdin: "seed-value" },
    );
    expect(seeded.code).toBe(0);
  });

  afterAll(async () => {
    await server?.stop();
  });

  describe.each(REFUSALS)("given $name", (refusal) => {
    it("exits with its code, says one line and changes nothing", async () => {
      const before = await storeState();
      const args = [...refusal.args, ...(refusal.extraArgs ?? [])];
      const run = await runSecretsctl(args, { env, stdin: refusal.stdin });
      expect(run.code).toBe(refusal.exitCode);
      expectOneErrorLine(run);
      expect(await storeState()).toEqual(before);
    });
  });

  describe("given an unknown flag", () => {
    it("names the flag and points at the command's --help", async () => {
      const run = await runSecretsctl(["token", "create", "--bogus"], { env });
      expect(run.code).toBe(EXIT_CODES.usage);
      expectOneErrorLine(run);
      expect(run.stderr).toContain("'--bogus'");
      expect(run.stderr).toContain("secretsctl token create --help");
    });
  });

  describe("when the token is not an admin token", () => {
    it("exits with the denied code", async () => {
      const tokenFile = join(workDir, "agent.token");
      writeFileSync(tokenFile, await server.issueAgentToken(ALGORITHM));
      const run = await runSecretsctl(["list", ALGORITHM], {
        env: { ...env, SECRETS_TOKEN_FILE: tokenFile },
      });
      expect(run.code).toBe(EXIT_CODES.denied);
      expectOneErrorLine(run);
    });
  });

  describe("when the server cannot be reached", () => {
    it("exits with the unavailable code", async () => {
      const run = await runSecretsctl(
        ["list", ALGORITHM, "--addr", "127.0.0.1:1"],
        {
          env,
        },
      );
      expect(run.code).toBe(EXIT_CODES.unavailable);
      expectOneErrorLine(run);
    });
  });

  describe("when the CA is not the server's", () => {
    it("exits with the unavailable code", async () => {
      const run = await runSecretsctl(
        ["list", ALGORITHM, "--ca-file", "/etc/ssl/certs/ca-certificates.crt"],
        { env },
      );
      expect(run.code).toBe(EXIT_CODES.unavailable);
      expectOneErrorLine(run);
    });
  });

  describe("when a plaintext client meets the TLS server", () => {
    it("says the server uses TLS, naming the address", async () => {
      const run = await runSecretsctl(
        ["list", ALGORITHM, "--insecure-plaintext"],
        { env },
      );
      expect(run.code).toBe(EXIT_CODES.unavailable);
      expectOneErrorLine(run);
      expect(run.stderr).toContain(`${server.addr} closed the plaintext`);
      expect(run.stderr).toContain("drop --insecure-plaintext");
    });
  });

  describe("when a TLS client meets a plaintext server", () => {
    it("says the handshake failed and suggests --insecure-plaintext", async () => {
      const plaintext = await startServerProcess({
        extraArgs: ["--insecure-plaintext"],
      });
      try {
        const run = await runSecretsctl(["list", ALGORITHM], {
          env: { ...env, SECRETS_ADDR: plaintext.addr },
        });
        expect(run.code).toBe(EXIT_CODES.unavailable);
        expectOneErrorLine(run);
        expect(run.stderr).toContain(
          `TLS handshake with ${plaintext.addr} failed`,
        );
        expect(run.stderr).toContain("--insecure-plaintext?");
        expect(run.stderr).not.toContain(server.adminToken);
      } finally {
        await plaintext.stop();
      }
    });
  });

  describe("when no admin token can be found", () => {
    it("fails before calling, naming the setting", async () => {
      const run = await runSecretsctl(["list", ALGORITHM], {
        env: { SECRETS_ADDR: server.addr },
        cwd: workDir,
      });
      expect(run.code).toBe(EXIT_CODES.failure);
      expectOneErrorLine(run);
    });
  });
});
