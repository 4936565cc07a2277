import { generateKeyPairSync } from "node:crypto";
import { Metadata } from "@grpc/grpc-js";
import { SignJWT } from "jose";
import { describe, expect, it, vi } from "vitest";
import { Authenticator } from "../../src/server/auth.js";
import { VerifiedTokens } from "../../src/server/verified-tokens.js";
import { SecretsError } from "../../src/shared/errors.js";
import { Redacted } from "../../src/shared/redacted.js";
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

  describe("when a token's own times are not acceptable", () => {
    const nowSeconds = () => Math.floor(Date.now() / 1000);
    const signed = (iat: number | undefined, exp: number) => {
      const jwt = new SignJWT({ kind: "agent", algorithm: ALG })
        .setProtectedHeader({ alg: "EdDSA" })
        .setIssuer("algorithm-secrets")
        .setAudience("algorithm-secrets")
        .setSubject("a")
        .setExpirationTime(exp);
      return (iat === undefined ? jwt : jwt.setIssuedAt(iat)).sign(privateKey);
    };
    const cases: [string, () => Promise<string>][] = [
      [
        "a lifetime over 365 days",
        () => signed(nowSeconds(), nowSeconds() + 400 * 86_400),
      ],
      ["an exp beyond any date", () => signed(nowSeconds(), 1e300)],
      [
        "an iat an hour ahead",
        () => signed(nowSeconds() + 3600, nowSeconds() + 7200),
      ],
      ["no iat", () => signed(undefined, nowSeconds() + 60)],
    ];
    for (const [situation, makeToken] of cases) {
      it(`refuses ${situation} with UNAUTHENTICATED`, async () => {
        const call = auth.requireAgent(
          metadataWith(`Bearer ${await makeToken()}`),
        );
        expect(await codeOf(call)).toBe("UNAUTHENTICATED");
      });
    }

    it("accepts a year-long token signed by this service's key", async () => {
      const year = signed(nowSeconds(), nowSeconds() + 365 * 86_400);
      const call = auth.requireAgent(metadataWith(`Bearer ${await year}`));
      expect(await codeOf(call)).toBe("accepted");
    });
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
  describe("when a token verified before comes again", () => {
    it("refuses it once its exp has passed", async () => {
      const fresh = new Authenticator(publicKey);
      const metadata = metadataWith(`Bearer ${await agentToken}`);
      await fresh.requireAgent(metadata);
      // Only Date is faked: the signature check's promises still run.
      vi.useFakeTimers({ toFake: ["Date"] });
      try {
        vi.setSystemTime(Date.now() + 61_000);
        expect(await codeOf(fresh.requireAgent(metadata))).toBe(
          "UNAUTHENTICATED",
        );
      } finally {
        vi.useRealTimers();
      }
    });

    it("refuses a copy whose signature differs in one character", async () => {
      const fresh = new Authenticator(publicKey);
      const token = await agentToken;
      await fresh.requireAgent(metadataWith(`Bearer ${token}`));
      const at = token.lastIndexOf(".") + 5;
      const forged = `${token.slice(0, at)}${token[at] === "A" ? "B" : "A"}${token.slice(at + 1)}`;
      const call = fresh.requireAgent(metadataWith(`Bearer ${forged}`));
      expect(await codeOf(call)).toBe("UNAUTHENTICATED");
    });

    it("answers from memory as PERMISSION_DENIED for the wrong service", async () => {
      const fresh = new Authenticator(publicKey);
      const metadata = metadataWith(`Bearer ${await agentToken}`);
      await fresh.requireAgent(metadata);
      expect(await codeOf(fresh.requireAdmin(metadata, ALG))).toBe(
        "PERMISSION_DENIED",
      );
    });
  });
});

describe("VerifiedTokens", () => {
  describe("when more tokens verify than it may hold", () => {
    it("keeps only the most recent ones", async () => {
      const tokens = new VerifiedTokens({ max: 2 });
      for (const subject of ["a", "b", "c"]) {
        const identity = { kind: "agent", algorithm: ALG, subject } as const;
        const token = await issueToken({
          signingKey: privateKey,
          identity,
          ttlMs: 60_000,
        });
        tokens.remember(new Redacted(token), identity);
      }
      expect(tokens.size()).toBe(2);
    });
  });

  describe("when calls bring the same new token at once", () => {
    const identity = { kind: "agent", algorithm: ALG, subject: "a" } as const;

    it("checks it once for all of them", async () => {
      const tokens = new VerifiedTokens();
      const token = new Redacted(await agentToken);
      let checks = 0;
      const verify = async () => {
        checks++;
        return identity;
      };
      const identities = await Promise.all(
        Array.from({ length: 5 }, () => tokens.identify(token, verify)),
      );
      expect(identities).toEqual(Array(5).fill(identity));
      expect(checks).toBe(1);
      await tokens.identify(token, verify);
      expect(checks).toBe(1);
    });

    it("fails them all when the check fails, and checks again next time", async () => {
      const tokens = new VerifiedTokens();
      const token = new Redacted(await agentToken);
      let checks = 0;
      const refuse = async (): Promise<typeof identity> => {
        checks++;
        throw new SecretsError("UNAUTHENTICATED", "token: bad signature");
      };
      const codes = await Promise.all(
        Array.from({ length: 3 }, () => codeOf(tokens.identify(token, refuse))),
      );
      expect(codes).toEqual(Array(3).fill("UNAUTHENTICATED"));
      expect(checks).toBe(1);
      expect(await codeOf(tokens.identify(token, refuse))).toBe(
        "UNAUTHENTICATED",
      );
      expect(checks).toBe(2);
      expect(tokens.size()).toBe(0);
    });
  });

  describe("when a token carries no exp", () => {
    it("does not remember it", async () => {
      const tokens = new VerifiedTokens();
      const token = await new SignJWT({ kind: "agent", algorithm: ALG })
        .setProtectedHeader({ alg: "EdDSA" })
        .setSubject("a")
        .sign(privateKey);
      tokens.remember(new Redacted(token), {
        kind: "agent",
        algorithm: ALG,
        subject: "a",
      });
      expect(tokens.size()).toBe(0);
    });
  });
});
