import { generateKeyPairSync } from "node:crypto";
import { Metadata } from "@grpc/grpc-js";
import { describe, expect, it } from "vitest";
import { Authenticator } from "../../src/server/auth.js";
import { SecretsError } from "../../src/shared/errors.js";
import { issueToken } from "../../src/shared/tokens.js";

const { privateKey, publicKey } = generateKeyPairSync("ed25519");
const auth = new Authenticator(publicKey);
const ALG = "demo/alpha";

function metadataWith(...values: string[]): Metadata {
  const metadata = new Metadata();
  for (const value of values) metadata.add("authorization", value);
  return metadata;
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return "accepted";
  } catch (error) {
    return error instanceof SecretsError ? error.code : "not-secrets-error";
  }
}

const agentToken = issueToken({
  signingKey: privateKey,
  identity: { kind: "agent", algorithm: ALG, subject: "a" },
  ttlMs: 60_000,
});
const adminTokenForB = issueToken({
  signingKey: privateKey,
  identity: { kind: "admin", algorithms: ["demo/beta"], subject: "b" },
  ttlMs: 60_000,
});

describe("Authenticator", () => {
  describe("when the scheme is spelled in another case", () => {
    it("accepts `bearer` and `BEARER`", async () => {
      for (const scheme of ["bearer", "BEARER"]) {
        const metadata = metadataWith(`${scheme} ${await agentToken}`);
        const identity = await auth.requireAgent(metadata);
        expect(identity.algorithm).toBe(ALG);
      }
    });
  });

  describe("when the authorization entry is wrong", () => {
    const cases: [string, () => Promise<Metadata>][] = [
      ["no entry", async () => new Metadata()],
      ["another scheme", async () => metadataWith(`Basic ${await agentToken}`)],
      [
        "two entries",
        async () =>
          metadataWith(
            `Bearer ${await agentToken}`,
            `Bearer ${await agentToken}`,
          ),
      ],
      ["an empty token", async () => metadataWith("Bearer ")],
    ];
    for (const [situation, makeMetadata] of cases) {
      it(`refuses ${situation} with UNAUTHENTICATED`, async () => {
        const call = auth.requireAgent(await makeMetadata());
        expect(await codeOf(call)).toBe("UNAUTHENTICATED");
      });
    }
  });

  describe("when an admin names an algorithm outside its scope", () => {
    it("refuses with PERMISSION_DENIED", async () => {
      const metadata = metadataWith(`Bearer ${await adminTokenForB}`);
      expect(await codeOf(auth.requireAdmin(metadata, ALG))).toBe(
        "PERMISSION_DENIED",
      );
    });

    it("refuses a malformed algorithm as INVALID_ARGUMENT, not echoing it", async () => {
      const metadata = metadataWith(`Bearer ${await adminTokenForB}`);
      const junk = "x".repeat(300);
      const error = await auth
        .requireAdmin(metadata, junk)
        .catch((caught: SecretsError) => caught);
      expect((error as SecretsError).code).toBe("INVALID_ARGUMENT");
      expect((error as SecretsError).message).not.toContain(junk);
    });
  });
});
