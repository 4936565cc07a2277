/**
 * Signed identity tokens (JWT, EdDSA over Ed25519). The service holds only
 * the public key and verifies; whoever holds the private key (an operator,
 * or `secretsctl` in dev mode) issues. An agent token names exactly one
 * algorithm; an admin token names the algorithms it may manage, or `*`.
 *
 * Limitation: there is no revocation list. A token is good until its
 * `exp` (a watch stream opened with it ends then too); cutting one off
 * earlier means rotating the signing key, which ends every token.
 */
import { createPublicKey, type KeyObject } from "node:crypto";
import { errors as joseErrors, jwtVerify, SignJWT } from "jose";
import * as v from "valibot";
import { SecretsError } from "./errors.js";
import { isAlgorithmName } from "./names.js";
import type { Redacted } from "./redacted.js";

/** Issuer and audience of every token, so tokens of other systems fail. */
export const TOKEN_ISSUER = "algorithm-secrets";

/**
 * Longest token lifetime, in milliseconds (one year): `token create`
 * issues no longer one, and the service refuses a longer one, since a
 * token cannot be revoked before it expires.
 */
export const MAX_TOKEN_TTL_MS = 365 * 86_400_000;

/** How far ahead of the service's clock a token's `iat` may be, in s. */
const CLOCK_SKEW_SECONDS = 60;
export const TOKEN_AUDIENCE = "algorithm-secrets";

/** The signature algorithm; Ed25519 keys are small and verify fast. */
export const TOKEN_ALGORITHM = "EdDSA";

/** Admin token scope that covers every algorithm. */
export const ALL_ALGORITHMS = "*";

const claimsSchema = v.variant("kind", [
  v.object({ kind: v.literal("agent"), algorithm: v.string() }),
  v.object({
    kind: v.literal("admin"),
    algorithms: v.pipe(v.array(v.string()), v.minLength(1)),
  }),
]);

export type Identity = (
  | { kind: "agent"; algorithm: string; subject: string }
  | { kind: "admin"; algorithms: readonly string[]; subject: string }
) & {
  /**
   * When the token that proved this identity expires, in milliseconds
   * since the epoch; set on every identity {@link verifyToken} returns.
   */
  expiresAtMs?: number;
};

export interface IssueTokenOptions {
  signingKey: KeyObject;
  identity: Identity;
  ttlMs: number;
  nowMs?: number;
}

/** A signed token for `identity`, valid for `ttlMs`. */
export async function issueToken(options: IssueTokenOptions): Promise<string> {
  const { identity } = options;
  const claims =
    identity.kind === "agent"
      ? { kind: "agent", algorithm: identity.algorithm }
      : { kind: "admin", algorithms: [...identity.algorithms] };
  const nowSeconds = Math.floor((options.nowMs ?? Date.now()) / 1000);
  return new SignJWT(claims)
    .setProtectedHeader({ alg: TOKEN_ALGORITHM, typ: "JWT" })
    .setIssuer(TOKEN_ISSUER)
    .setAudience(TOKEN_AUDIENCE)
    .setSubject(identity.subject)
    .setIssuedAt(nowSeconds)
    .setExpirationTime(nowSeconds + Math.ceil(options.ttlMs / 1000))
    .sign(options.signingKey);
}

/**
 * The identity a token proves. Any failure is UNAUTHENTICATED with a
 * message that says what kind of failure, never what the token held.
 */
export async function verifyToken(
  token: Redacted<string>,
  verifyKey: KeyObject,
): Promise<Identity> {
  let payload: Record<string, unknown>;
  try {
    const verified = await jwtVerify(token.reveal(), verifyKey, {
      issuer: TOKEN_ISSUER,
      audience: TOKEN_AUDIENCE,
      algorithms: [TOKEN_ALGORITHM],
      requiredClaims: ["exp", "sub", "iat"],
    });
    payload = verified.payload;
  } catch (error) {
    throw new SecretsError("UNAUTHENTICATED", describeTokenFailure(error));
  }
  checkLifetime(Number(payload.iat), Number(payload.exp));
  return identityFromClaims(payload);
}

/**
 * Refuses a token issued in the future or living longer than
 * {@link MAX_TOKEN_TTL_MS}: whoever holds the signing key could otherwise
 * mint one that never expires.
 */
function checkLifetime(issuedAt: number, expiresAt: number): void {
  if (issuedAt > Date.now() / 1000 + CLOCK_SKEW_SECONDS) {
    throw new SecretsError("UNAUTHENTICATED", "token: issued in the future");
  }
  if (expiresAt - issuedAt > MAX_TOKEN_TTL_MS / 1000) {
    throw new SecretsError(
      "UNAUTHENTICATED",
      "token: lifetime is longer than 365d",
    );
  }
}

/**
 * The identity in verified claims. A malformed algorithm counts as a bad
 * token (UNAUTHENTICATED), not as a bad request from the caller.
 */
function identityFromClaims(payload: Record<string, unknown>): Identity {
  const parsed = v.safeParse(claimsSchema, payload);
  const claims = parsed.success ? parsed.output : undefined;
  const isValid =
    claims?.kind === "agent"
      ? isAlgorithmName(claims.algorithm)
      : claims?.algorithms.every(
          (algorithm) =>
            algorithm === ALL_ALGORITHMS || isAlgorithmName(algorithm),
        );
  if (!claims || !isValid) {
    throw new SecretsError("UNAUTHENTICATED", "token: claims are malformed");
  }
  const subject = String(payload.sub);
  // jwtVerify demanded a numeric exp, so this is always a number.
  const expiresAtMs = Number(payload.exp) * 1000;
  if (claims.kind === "agent") {
    return { kind: "agent", algorithm: claims.algorithm, subject, expiresAtMs };
  }
  return {
    kind: "admin",
    algorithms: claims.algorithms,
    subject,
    expiresAtMs,
  };
}

function describeTokenFailure(error: unknown): string {
  if (error instanceof joseErrors.JWTExpired) return "token: expired";
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) {
    return "token: signature does not verify";
  }
  if (error instanceof joseErrors.JWTClaimValidationFailed) {
    return `token: claim "${error.claim}" is not acceptable`;
  }
  return "token: malformed or not signed by this service's key";
}

/** The public half of a private key, or the key itself if already public. */
export function toVerifyKey(key: KeyObject): KeyObject {
  return key.type === "private" ? createPublicKey(key) : key;
}

/** True when an admin identity may manage `algorithm`. */
export function adminCovers(
  identity: Extract<Identity, { kind: "admin" }>,
  algorithm: string,
): boolean {
  return (
    identity.algorithms.includes(ALL_ALGORITHMS) ||
    identity.algorithms.includes(algorithm)
  );
}
