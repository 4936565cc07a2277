import type { Client } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SecretsError } from "../../src/shared/errors.js";
import type {
  GetSnapshotResponse,
  ListSecretsResponse,
  SecretMetadata,
} from "../../src/shared/messages.js";
import {
  callUnary,
  connectAdmin,
  connectDelivery,
} from "../helpers/server-process.js";
import { type InProcessServer, startInProcess } from "./in-process-server.js";

const CANARY = "canary-admin-9c41e0";
const ALG_A = "demo/alpha";
const ALG_B = "demo/beta";

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return error instanceof SecretsError ? error.code : "not-secrets-error";
  }
  return "no error";
}

describe("secrets-server over gRPC", () => {
  let server: InProcessServer;
  let admin: Client;
  const responses: unknown[] = [];
  const adminCall = async <T>(method: string, request: unknown) => {
    const response = await callUnary<T>(admin, method, request);
    responses.push(response);
    return response;
  };

  beforeAll(async () => {
    server = await startInProcess();
    admin = connectAdmin(server, server.adminToken);
    for (const [algorithm, envName] of [
      [ALG_A, "DB_PASSWORD"],
      [ALG_B, "B_ONLY"],
    ]) {
      await adminCall<SecretMetadata>("createSecret", {
        algorithm,
        envName,
        displayName: "Database password",
        description: "planted canary",
        value: Buffer.from(`${CANARY}-${envName}`),
      });
    }
    await adminCall("updateSecret", {
      algorithm: ALG_A,
      envName: "DB_PASSWORD",
      value: Buffer.from(`${CANARY}-updated`),
    });
    await adminCall("listSecrets", { algorithm: ALG_A });
    await adminCall("getSecret", { algorithm: ALG_A, envName: "DB_PASSWORD" });
  });

  afterAll(async () => {
    admin?.close();
    await server?.stop();
  });

  describe("when an admin manages secrets", () => {
    it("never returns a value in any admin response", () => {
      const text = JSON.stringify(responses);
      expect(responses.length).toBe(5);
      expect(text).not.toContain(CANARY);
      expect(text).not.toContain("value");
    });

    it("lists metadata with the revision", async () => {
      const listed = await adminCall<ListSecretsResponse>("listSecrets", {
        algorithm: ALG_A,
      });
      expect(listed.revision).toBe(2);
      expect(listed.secrets[0]).toMatchObject({
        envName: "DB_PASSWORD",
        displayName: "Database password",
        version: 2,
      });
    });

    it("refuses a duplicate with ALREADY_EXISTS", async () => {
      const create = adminCall("createSecret", {
        algorithm: ALG_A,
        envName: "DB_PASSWORD",
        displayName: "x",
        value: Buffer.from("x"),
      });
      expect(await codeOf(create)).toBe("ALREADY_EXISTS");
    });

    it.each([
      ["envName", "LD_PRELOAD", "env_name"],
      ["envName", "GLIBC_TUNABLES", "env_name"],
      ["envName", "ssl_cert_file", "env_name"],
      ["envName", "NODE_TLS_REJECT_UNAUTHORIZED", "env_name"],
      ["displayName", "two\nlines", "display_name"],
      ["displayName", "carriage\rreturn", "display_name"],
      ["displayName", "tab\there", "display_name"],
      ["displayName", "escape\u001b[2J", "display_name"],
      ["displayName", "delete\u007f", "display_name"],
      ["description", "carriage\rreturn", "description"],
      ["description", "bell\u0007", "description"],
    ])(
      "refuses %s %j with INVALID_ARGUMENT naming %s",
      async (key, text, field) => {
        const before = await callUnary(admin, "listSecrets", list());
        const create = callUnary(admin, "createSecret", {
          algorithm: ALG_A,
          envName: "LABELLED",
          displayName: "x",
          value: Buffer.from("x"),
          [key]: text,
        });
        const error = await create.catch((caught: SecretsError) => caught);
        expect((error as SecretsError).code).toBe("INVALID_ARGUMENT");
        expect((error as SecretsError).field).toBe(field);
        expect(await callUnary(admin, "listSecrets", list())).toEqual(before);
      },
    );

    it("keeps a multi-line description and allows a proxy name", async () => {
      const created = await callUnary<SecretMetadata>(admin, "createSecret", {
        algorithm: "demo/labels",
        envName: "HTTPS_PROXY",
        displayName: "Proxy with credentials",
        description: "first line\nsecond line",
        value: Buffer.from("x"),
      });
      expect(created.description).toBe("first line\nsecond line");
    });

    it("never logs a value, even at trace level", () => {
      expect(server.logs()).toContain("secret created");
      expect(server.logs()).not.toContain(CANARY);
    });
  });

  describe("when an agent asks for its snapshot", () => {
    it("gets its own algorithm's values and nothing of another", async () => {
      const token = await server.issueAgentToken(ALG_A);
      const delivery = connectDelivery(server, token);
      const response = await callUnary<GetSnapshotResponse>(
        delivery,
        "getSnapshot",
        { knownRevision: 0 },
      );
      delivery.close();
      expect(response.snapshot?.algorithm).toBe(ALG_A);
      const values = response.snapshot?.secrets.map((s) => `${s.value}`);
      expect(values).toEqual([`${CANARY}-updated`]);
      expect(JSON.stringify(response)).not.toContain("B_ONLY");
    });

    it("answers unchanged when it holds the current revision", async () => {
      const token = await server.issueAgentToken(ALG_A);
      const delivery = connectDelivery(server, token);
      const response = await callUnary<GetSnapshotResponse>(
        delivery,
        "getSnapshot",
        { knownRevision: 2 },
      );
      delivery.close();
      expect(response.result).toBe("unchanged");
      expect(response.unchanged).toEqual({ algorithm: ALG_A, revision: 2 });
    });
  });

  describe("when the caller's token does not allow the call", () => {
    const list = { algorithm: ALG_A };

    it("refuses an agent token on SecretAdmin", async () => {
      const token = await server.issueAgentToken(ALG_A);
      const client = connectAdmin(server, token);
      expect(await codeOf(callUnary(client, "listSecrets", list))).toBe(
        "PERMISSION_DENIED",
      );
      client.close();
    });

    it("refuses an admin token on SecretDelivery", async () => {
      const client = connectDelivery(server, server.adminToken);
      const call = callUnary(client, "getSnapshot", { knownRevision: 0 });
      expect(await codeOf(call)).toBe("PERMISSION_DENIED");
      client.close();
    });

    it("refuses an admin token scoped to another algorithm", async () => {
      const client = connectAdmin(
        server,
        await server.issueAdminToken([ALG_B]),
      );
      expect(await codeOf(callUnary(client, "listSecrets", list))).toBe(
        "PERMISSION_DENIED",
      );
      client.close();
    });

    const badTokens: [string, () => Promise<string>][] = [
      ["an expired token", () => server.issueAgentToken(ALG_A, -120_000)],
      ["a malformed token", async () => "not.a.jwt"],
      ["a token signed by another key", async () => foreignToken()],
    ];
    for (const [situation, makeToken] of badTokens) {
      it(`refuses ${situation} with UNAUTHENTICATED`, async () => {
        const client = connectDelivery(server, await makeToken());
        const call = callUnary(client, "getSnapshot", { knownRevision: 0 });
        expect(await codeOf(call)).toBe("UNAUTHENTICATED");
        client.close();
      });
    }
  });

  describe("the service's log as an audit trail", () => {
    const linesWith = (msg: string) =>
      server
        .logs()
        .split("\n")
        .filter((line) => line.includes(`"msg":"${msg}"`));

    it("names the token's subject on every change, never the value", () => {
      const changes = [
        ...linesWith("secret created"),
        ...linesWith("secret updated"),
      ];
      expect(changes.length).toBeGreaterThan(0);
      for (const line of changes) {
        expect(line).toMatch(/"subject":"[^"]+"/);
        expect(line).not.toContain(CANARY);
      }
    });

    it("records refused tokens at info level, without the token", async () => {
      const token = await foreignToken();
      const client = connectDelivery(server, token);
      await codeOf(callUnary(client, "getSnapshot", { knownRevision: 0 }));
      client.close();
      const refusals = linesWith("call refused: token not accepted");
      expect(refusals.at(-1)).toContain('"level":"info"');
      expect(refusals.at(-1)).toContain('"code":"UNAUTHENTICATED"');
      expect(server.logs()).not.toContain(token.split(".")[2]);
    });
  });

  describe("when a request is larger than any real one", () => {
    it("refuses it before it is buffered whole, and stores nothing", async () => {
      const before = await callUnary<ListSecretsResponse>(
        admin,
        "listSecrets",
        list(),
      );
      const call = callUnary(admin, "createSecret", {
        algorithm: ALG_A,
        envName: "HUGE",
        displayName: "huge",
        description: "x".repeat(300 * 1024),
        value: Buffer.from("v"),
      });
      expect(await codeOf(call)).toBe("RESOURCE_EXHAUSTED");
      expect(await callUnary(admin, "listSecrets", list())).toEqual(before);
    });
  });
});

function list() {
  return { algorithm: ALG_A };
}

async function foreignToken(): Promise<string> {
  const { generateKeyPairSync } = await import("node:crypto");
  const { issueToken } = await import("../../src/shared/tokens.js");
  return issueToken({
    signingKey: generateKeyPairSync("ed25519").privateKey,
    identity: { kind: "agent", algorithm: ALG_A, subject: "intruder" },
    ttlMs: 60_000,
  });
}
