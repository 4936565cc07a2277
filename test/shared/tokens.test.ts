import { generateKeyPairSync, type KeyObject } from "node:crypto";
import { SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import { SecretsError } from "../../src/shared/errors.js";
import { Redacted } from "../../src/shared/redacted.js";
import {
  issueToken,
  TOKEN_AUDIENCE,
  TOKEN_ISSUER,
  verifyToken,
} from "../../src/shared/tokens.js";

const { privateKey, publicKey } = generateKeyPairSync("ed25519");
const ALG = "demo/alpha";

async function codeOf(token: string, key: KeyObject = publicKey) {
  try {
    await verifyToken(new Redacted(token), key);
    return "accepted";
  } catch (error) {
    return error instanceof SecretsError ? error.code : "not-secrets-error";
  }
}

/** A token signed with our key whose claims and header `change` shapes. */
function signed(change: {
  claims?: Record<string, unknown>;
  issuer?: string;
  audience?: string;
}) {
  const nowSeconds = Math.floor(Date.now() / 1000);
  return new SignJWT(change.claims ?? { kind: "agent", algorithm: ALG })
    .setProtectedHeader({ alg: "EdDSA" })
    .setIssuer(change.issuer ?? TOKEN_ISSUER)
    .setAudience(change.audience ?? TOKEN_AUDIENCE)
    .setSubject("test")
    .setExpirationTime(nowSeconds + 60)
    .sign(privateKey);
}

function base64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString("base64url");
}

describe("verifyToken", () => {
  describe("when the token is ours and well formed", () => {
    it("returns the agent identity it names, with its expiry", async () => {
      const nowMs = Date.now();
      const token = await issueToken({
        signingKey: privateKey,
        identity: { kind: "agent", algorithm: ALG, subject: "a" },
        ttlMs: 60_000,
        nowMs,
      });
      expect(await verifyToken(new Redacted(token), publicKey)).toEqual({
        kind: "agent",
        algorithm: ALG,
        subject: "a",
        expiresAtMs: (Math.floor(nowMs / 1000) + 60) * 1000,
      });
    });
  });

  describe("when the token must not be trusted", () => {
    const nowSeconds = Math.floor(Date.now() / 1000);
    const unsignedPayload = {
      kind: "agent",
      algorithm: ALG,
      iss: TOKEN_ISSUER,
      aud: TOKEN_AUDIENCE,
      sub: "x",
      exp: nowSeconds + 60,
    };
    const cases: [string, () => Promise<string>][] = [
      [
        "alg none",
        async () =>
          `${base64url({ alg: "none", typ: "JWT" })}.${base64url(unsignedPayload)}.`,
      ],
      ["another issuer", () => signed({ issuer: "someone-else" })],
      ["another audience", () => signed({ audience: "someone-else" })],
      [
        "an agent claim for every algorithm",
        () => signed({ claims: { kind: "agent", algorithm: "*" } }),
      ],
      [
        "a malformed algorithm claim",
        () => signed({ claims: { kind: "agent", algorithm: "no-slash" } }),
      ],
      [
        "a malformed admin scope",
        () => signed({ claims: { kind: "admin", algorithms: ["a/b/c"] } }),
      ],
      [
        "an unknown kind",
        () => signed({ claims: { kind: "root", algorithm: ALG } }),
      ],
    ];
    for (const [situation, makeToken] of cases) {
      it(`refuses ${situation} with UNAUTHENTICATED`, async () => {
        expect(await codeOf(await makeToken())).toBe("UNAUTHENTICATED");
      });
    }

    it("refuses an HMAC token keyed with the public key", async () => {
      const secret = publicKey.export({ type: "spki", format: "der" });
      const token = await new SignJWT({ kind: "agent", algorithm: ALG })
        .setProtectedHeader({ alg: "HS256" })
        .setIssuer(TOKEN_ISSUER)
        .setAudience(TOKEN_AUDIENCE)
        .setSubject("x")
        .setExpirationTime("1m")
        .sign(new Uint8Array(secret));
      expect(await codeOf(token)).toBe("UNAUTHENTICATED");
    });
  });
});
