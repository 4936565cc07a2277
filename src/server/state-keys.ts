/**
 * Writing the key files of a state folder, shared by `--dev` (which makes
 * what is missing) and `init` (which makes everything once): the token
 * signing key pair and an admin token. Private files go through
 * {@link writePrivateFile}: mode 0600 from the first byte, synced, and
 * never half-written.
 */
import { generateKeyPairSync } from "node:crypto";
import { writeFileSync } from "node:fs";
import type { StatePaths } from "../shared/dev-state.js";
import { readSigningKey } from "../shared/key-files.js";
import {
  type PrivateFileOptions,
  writePrivateFile,
} from "../shared/private-file.js";
import { ALL_ALGORITHMS, issueToken } from "../shared/tokens.js";

/** Writes a fresh Ed25519 pair: private 0600, public 0644. */
export function writeSigningKeys(
  paths: StatePaths,
  options: PrivateFileOptions = {},
): void {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  writePrivateFile(
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

export interface AdminTokenOptions extends PrivateFileOptions {
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
    signingKey: readSigningKey(options.signingKeyFile, "token-key-file"),
    identity: {
      kind: "admin",
      algorithms: [ALL_ALGORITHMS],
      subject: options.subject,
    },
    ttlMs: options.ttlMs,
  });
  writePrivateFile(options.outFile, `${token}\n`, {
    isExclusive: options.isExclusive,
  });
}
