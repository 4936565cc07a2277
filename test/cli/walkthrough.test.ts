import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { GetSnapshotResponse } from "../../src/shared/messages.js";
import {
  callUnary,
  connectAdmin,
  connectDelivery,
  type ServerProcess,
  startServerProcess,
} from "../helpers/server-process.js";
import { tmpfsDir } from "../helpers/tmpfs.js";
import { type CliRun, runSecretsctl } from "./run-secretsctl.js";

const CANARY = `canary-${randomBytes(12).toString("hex")}`;

interface ListJson {
  algorithm: string;
  revision: number;
  secrets: Record<string, unknown>[];
}

describe("secretsctl walkthrough", () => {
  const workDir = tmpfsDir("as-cli-walk-");
  const runs: CliRun[] = [];
  let server: ServerProcess;

  /** Runs in the folder holding `.algorithm-secrets`, as a user would. */
  async function ctl(args: string[], stdin?: Buffer | string) {
    const env = { SECRETS_ADDR: server.addr };
    const run = await runSecretsctl(args, { cwd: workDir, env, stdin });
    runs.push(run);
    return run;
  }

  async function deliveredValue(algorithm: string, envName: string) {
    const token = await server.issueAgentToken(algorithm);
    const client = connectDelivery(server, token);
    try {
      const response = await callUnary<GetSnapshotResponse>(
        client,
        "getSnapshot",
        { knownRevision: 0 },
      );
      const found = response.snapshot?.secrets.find(
        (secret) => secret.envName === envName,
      );
      return found?.value;
    } finally {
      client.close();
    }
  }

  beforeAll(async () => {
    server = await startServerProcess({
      stateDir: join(workDir, ".algorithm-secrets"),
    });
  });

  afterAll(async () => {
    await server?.stop();
  });

  describe("create", () => {
    it("takes the value from standard input, byte for byte", async () => {
      const run = await ctl(
        ["create", "demo/hello", "DB_PASSWORD", "--display-name", "Database"],
        `${CANARY}\n`,
      );
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(
        /^created demo\/hello DB_PASSWORD \(version 1, revision \d+\)\n$/,
      );
      const value = await deliveredValue("demo/hello", "DB_PASSWORD");
      expect(value).toEqual(Buffer.from(`${CANARY}\n`));
    });

    it("takes the value from --value-file", async () => {
      const valueFile = join(workDir, "api-key.txt");
      writeFileSync(valueFile, `${CANARY}-file`, { mode: 0o600 });
      const run = await ctl([
        "create",
        "demo/hello",
        "API_KEY",
        "--display-name",
        "API key",
        "--description",
        "for the weather service",
        "--value-file",
        valueFile,
      ]);
      expect(run.code).toBe(0);
      const value = await deliveredValue("demo/hello", "API_KEY");
      expect(value).toEqual(Buffer.from(`${CANARY}-file`));
    });
  });

  describe("list", () => {
    it("prints a table of metadata", async () => {
      const run = await ctl(["list", "demo/hello"]);
      expect(run.code).toBe(0);
      const lines = run.stdout.trimEnd().split("\n");
      expect(lines[0]).toMatch(/^ENV NAME\s+DISPLAY NAME\s+VERSION\s+UPDATED$/);
      expect(lines.slice(1).map((line) => line.split(/\s+/)[0])).toEqual([
        "API_KEY",
        "DB_PASSWORD",
      ]);
    });

    it("prints stable JSON with --json", async () => {
      const run = await ctl(["list", "demo/hello", "--json"]);
      expect(run.code).toBe(0);
      const listed = JSON.parse(run.stdout) as ListJson;
      expect(listed.algorithm).toBe("demo/hello");
      expect(listed.secrets.map((secret) => secret.envName)).toEqual([
        "API_KEY",
        "DB_PASSWORD",
      ]);
      expect(Object.keys(listed.secrets[0] ?? {})).toEqual([
        "algorithm",
        "envName",
        "displayName",
        "description",
        "version",
        "createdAt",
        "updatedAt",
        "createdAtMs",
        "updatedAtMs",
      ]);
    });
  });

  describe("get", () => {
    it("prints one secret's metadata", async () => {
      const run = await ctl(["get", "demo/hello", "API_KEY", "--json"]);
      expect(run.code).toBe(0);
      expect(JSON.parse(run.stdout)).toMatchObject({
        envName: "API_KEY",
        displayName: "API key",
        description: "for the weather service",
        version: 1,
      });
    });
  });

  describe("get of a multi-line description", () => {
    it("prints it escaped on one line, and verbatim with --json", async () => {
      const update = await ctl([
        "update",
        "demo/hello",
        "API_KEY",
        "--description",
        "first line\nsecond\tline",
      ]);
      expect(update.code).toBe(0);
      const human = await ctl(["get", "demo/hello", "API_KEY"]);
      expect(human.stdout).toContain(
        "description:  first line\\nsecond\\tline\n",
      );
      const json = await ctl(["get", "demo/hello", "API_KEY", "--json"]);
      expect(JSON.parse(json.stdout).description).toBe(
        "first line\nsecond\tline",
      );
    });
  });

  describe("update", () => {
    it("replaces the value and display name", async () => {
      const run = await ctl(
        [
          "update",
          "demo/hello",
          "DB_PASSWORD",
          "--display-name",
          "Primary database",
          "--value-stdin",
        ],
        `${CANARY}-v2`,
      );
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(
        /^updated demo\/hello DB_PASSWORD \(version 2,/,
      );
      const value = await deliveredValue("demo/hello", "DB_PASSWORD");
      expect(value).toEqual(Buffer.from(`${CANARY}-v2`));
      const got = await ctl(["get", "demo/hello", "DB_PASSWORD", "--json"]);
      expect(JSON.parse(got.stdout)).toMatchObject({
        displayName: "Primary database",
      });
    });

    it("changes only the description when only that is given", async () => {
      const run = await ctl([
        "update",
        "demo/hello",
        "DB_PASSWORD",
        "--description",
        "rotated monthly",
      ]);
      expect(run.code).toBe(0);
      const value = await deliveredValue("demo/hello", "DB_PASSWORD");
      expect(value).toEqual(Buffer.from(`${CANARY}-v2`));
    });
  });

  describe("delete", () => {
    it("removes the secret from list and delivery", async () => {
      const run = await ctl(["delete", "demo/hello", "API_KEY"]);
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(
        /^deleted demo\/hello API_KEY \(revision \d+\)\n$/,
      );
      const listed = await ctl(["list", "demo/hello", "--json"]);
      const envNames = (JSON.parse(listed.stdout) as ListJson).secrets.map(
        (secret) => secret.envName,
      );
      expect(envNames).toEqual(["DB_PASSWORD"]);
      expect(await deliveredValue("demo/hello", "API_KEY")).toBeUndefined();
    });
  });

  describe("token create", () => {
    async function snapshotWith(token: string) {
      const client = connectDelivery(server, token);
      try {
        return await callUnary<GetSnapshotResponse>(client, "getSnapshot", {
          knownRevision: 0,
        });
      } finally {
        client.close();
      }
    }

    it("issues an agent token the delivery API accepts", async () => {
      const run = await ctl(["token", "create", "--algorithm", "demo/hello"]);
      expect(run.code).toBe(0);
      expect(run.stderr).toBe("");
      const response = await snapshotWith(run.stdout.trim());
      expect(response.snapshot?.algorithm).toBe("demo/hello");
      expect(response.snapshot?.secrets.map((s) => s.envName)).toEqual([
        "DB_PASSWORD",
      ]);
    });

    it("issues a token for one algorithm that sees no other", async () => {
      const run = await ctl(["token", "create", "--algorithm", "other/algo"]);
      const response = await snapshotWith(run.stdout.trim());
      expect(response.snapshot?.algorithm ?? "other/algo").toBe("other/algo");
      expect(response.snapshot?.secrets ?? []).toEqual([]);
    });

    it("issues an agent token the admin API refuses", async () => {
      const run = await ctl(["token", "create", "--algorithm", "demo/hello"]);
      const client = connectAdmin(server, run.stdout.trim());
      try {
        const error = await callUnary(client, "listSecrets", {
          algorithm: "demo/hello",
        }).catch((caught: { code: string }) => caught);
        expect(["PERMISSION_DENIED", "UNAUTHENTICATED"]).toContain(
          (error as { code?: string }).code,
        );
      } finally {
        client.close();
      }
    });
  });

  describe("output of every command above", () => {
    it("never carries the canary value", () => {
      expect(runs.length).toBeGreaterThan(10);
      for (const run of runs) {
        expect(run.stdout).not.toContain(CANARY);
        expect(run.stderr).not.toContain(CANARY);
      }
    });
  });
});
