/**
 * UpdateSecret over real gRPC: a request that names no field to change is
 * refused and changes nothing; one that sets a field to empty is a change.
 */
import type { Client } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SecretsError } from "../../src/shared/errors.js";
import type {
  ListSecretsResponse,
  SecretMetadata,
} from "../../src/shared/messages.js";
import { callUnary, connectAdmin } from "../helpers/server-process.js";
import { type InProcessServer, startInProcess } from "./in-process-server.js";

const ALG = "demo/update";
const TARGET = { algorithm: ALG, envName: "DB_PASSWORD" };

describe("UpdateSecret", () => {
  let server: InProcessServer;
  let admin: Client;
  const list = () =>
    callUnary<ListSecretsResponse>(admin, "listSecrets", { algorithm: ALG });

  beforeAll(async () => {
    server = await startInProcess();
    admin = connectAdmin(server, server.adminToken);
    await callUnary(admin, "createSecret", {
      ...TARGET,
      displayName: "Database password",
      description: "before",
      value: Buffer.from("v1"),
    });
  });

  afterAll(async () => {
    admin?.close();
    await server?.stop();
  });

  describe("when the request names nothing to change", () => {
    it("refuses with INVALID_ARGUMENT naming the update, changing nothing", async () => {
      const before = await list();
      const error = await callUnary(admin, "updateSecret", TARGET).catch(
        (caught: SecretsError) => caught,
      );
      expect((error as SecretsError).code).toBe("INVALID_ARGUMENT");
      expect((error as SecretsError).field).toBe("update");
      expect(await list()).toEqual(before);
    });
  });

  describe("when the request clears the description", () => {
    it("bumps the version and the revision", async () => {
      const before = await list();
      const updated = await callUnary<SecretMetadata>(admin, "updateSecret", {
        ...TARGET,
        description: "",
      });
      expect(updated.description).toBe("");
      expect(updated.version).toBe((before.secrets[0]?.version ?? 0) + 1);
      expect(updated.revision).toBe(before.revision + 1);
    });
  });
});
