/**
 * Writing the key files of a state folder, shared by `--dev` (which makes
 * what is missing) and `init` (which makes everything once): the token
 * signing key pair and an admin token. Modes are set on every write.
 */
import { generateKeyPairSync } from "node:crypto";
import { chmodSync, writeFileSync } from "node:fs";
import type { StatePaths } from "../shared/dev-state.js";
import { readPrivateKey } from "../shared/key-files.js";
import { ALL_ALGORITHMS, issueToken } from "../shared/tokens.js";

/** How to write: over an older file, or only where none exists. */
export interface WriteOptions {
  /** Fail with EEXIST rather than replace an existing file. */
  isExclusive?: boolean;
}

/** Writes a fresh Ed25519 pair: private 0600, public 0644. */
export function writeSigningKeys(
  paths: StatePaths,
  options: WriteOptions = {},
): void {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  writePrivate(
    paths.tokenSigningKey,
    privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    options,
  );
  writeFileSync(
    paths.tokenVerifyKey,
    publicKey.export({ type: "spki", format: "pem" }).toString(),
    { mode: 0o644, flag: options.isExclusive ? "wx" : "w" },
  );
}

export interface AdminTokenOptions extends WriteOptions {
  /** PEM private key that signs the token. */
  signingKeyFile: string;
  /** Where the token goes, mode 0600. */
  outFile: string;
  /** Lifetime in milliseconds. */
  ttlMs: number;
  /** Who the token is for, as `sub`. */
  subject: string;
}

/** Issues an admin token for every algorithm into `outFile`. */
export async function writeAdminToken(
  options: AdminTokenOptions,
): Promise<void> {
  const token = await issueToken({
    signingKey: readPrivateKey(options.signingKeyFile, "token-key-file"),
    identity: {
      kind: "admin",
      algorithms: [ALL_ALGORITHMS],
      subject: options.subject,
    },
    ttlMs: options.ttlMs,
  });
  writePrivate(options.outFile, `${token}\n`, options);
}

/** Writes `text` readable by the owner only, even over an older file. */
export function writePrivate(
  path: string,
  text: string,
  options: WriteOptions = {},
): void {
  writeFileSync(path, text, {
    mode: 0o600,
    flag: options.isExclusive ? "wx" : "w",
  });
  chmodSync(path, 0o600);
}
