/**
 * Who is calling, and may they make this call: the bearer token from the
 * `authorization` metadata entry, verified with the service's public key.
 * Agents may call only SecretDelivery, for the algorithm in their token;
 * admins may call only SecretAdmin, for the algorithms their token covers.
 */
import type { KeyObject } from "node:crypto";
import type { Metadata } from "@grpc/grpc-js";
import { SecretsError } from "../shared/errors.js";
import { checkAlgorithm } from "../shared/names.js";
import { Redacted } from "../shared/redacted.js";
import { adminCovers, type Identity, verifyToken } from "../shared/tokens.js";
import {
  VerifiedTokens,
  type VerifiedTokensOptions,
} from "./verified-tokens.js";

export type AgentIdentity = Extract<Identity, { kind: "agent" }>;
export type AdminIdentity = Extract<Identity, { kind: "admin" }>;

/**
 * Checks tokens against one verify key. A token that verified once is
 * remembered until its `exp`, so an agent refreshing with the same token
 * costs one signature check, not one per call.
 */
export class Authenticator {
  readonly #verifyKey: KeyObject;
  readonly #verified: VerifiedTokens;

  /** `options` tune the memory of verified tokens (size, clock). */
  constructor(verifyKey: KeyObject, options: VerifiedTokensOptions = {}) {
    this.#verifyKey = verifyKey;
    this.#verified = new VerifiedTokens(options);
  }

  /** The caller's identity; UNAUTHENTICATED without a valid token. */
  async identify(metadata: Metadata): Promise<Identity> {
    const token = bearerToken(metadata);
    return this.#verified.identify(token, () =>
      verifyToken(token, this.#verifyKey),
    );
  }

  /** An agent identity, or PERMISSION_DENIED for any other kind. */
  async requireAgent(metadata: Metadata): Promise<AgentIdentity> {
    const identity = await this.identify(metadata);
    if (identity.kind !== "agent") {
      throw new SecretsError(
        "PERMISSION_DENIED",
        "token: only agent tokens may call SecretDelivery",
      );
    }
    return identity;
  }

  /** An admin identity covering `algorithm`, or PERMISSION_DENIED. */
  async requireAdmin(
    metadata: Metadata,
    algorithm: string,
  ): Promise<AdminIdentity> {
    const identity = await this.identify(metadata);
    if (identity.kind !== "admin") {
      throw new SecretsError(
        "PERMISSION_DENIED",
        "token: only admin tokens may call SecretAdmin",
      );
    }
    // Checked before the scope, so the refusal below never echoes
    // arbitrary request text.
    checkAlgorithm(algorithm);
    if (!adminCovers(identity, algorithm)) {
      throw new SecretsError(
        "PERMISSION_DENIED",
        `token: does not cover algorithm ${algorithm}`,
        { field: "algorithm" },
      );
    }
    return identity;
  }
}

function bearerToken(metadata: Metadata): Redacted<string> {
  const values = metadata.get("authorization");
  if (values.length !== 1 || typeof values[0] !== "string") {
    throw new SecretsError(
      "UNAUTHENTICATED",
      "authorization: send exactly one `Bearer <token>` entry",
    );
  }
  const match = /^Bearer\s+(\S+)$/i.exec(values[0]);
  if (!match?.[1]) {
    throw new SecretsError(
      "UNAUTHENTICATED",
      "authorization: expected `Bearer <token>`",
    );
  }
  return new Redacted(match[1]);
}
