/**
 * `--dev`: makes (or reuses) everything a local server needs in one state
 * folder, so that the first run needs no setup and later runs keep their
 * keys, certificates, token and data.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { type StatePaths, statePaths } from "../../shared/dev-state.js";
import { readPrivateKey } from "../../shared/key-files.js";
import { writePrivateFile } from "../../shared/private-file.js";
import { Redacted } from "../../shared/redacted.js";
import { toVerifyKey, verifyToken } from "../../shared/tokens.js";
import { Keyring } from "../crypto/keyring.js";
import { writeAdminToken, writeSigningKeys } from "../state-keys.js";
import { makeDevCertificates } from "./dev-certificates.js";

/** Lifetime of the dev admin token, in milliseconds: one year. */
export const DEV_ADMIN_TOKEN_TTL_MS = 365 * 86_400_000;

/** What {@link ensureDevState} found or made. */
export interface DevStateReport {
  paths: StatePaths;
  /** Names of the files made this time (empty when all were reused). */
  created: string[];
}

/** Creates whatever is missing in `dir`; reuses what is there. */
export async function ensureDevState(dir: string): Promise<DevStateReport> {
  const paths = statePaths(dir);
  const created: string[] = [];
  mkdirSync(paths.dir, { recursive: true, mode: 0o700 });

  if (!existsSync(paths.kekFile)) {
    Keyring.openOrCreate(paths.kekFile);
    created.push("kek");
  }
  if (!existsSync(paths.tokenSigningKey)) {
    writeSigningKeys(paths);
    created.push("token signing key");
  }
  if (!existsSync(paths.caCert) || !existsSync(paths.serverCert)) {
    await writeCertificates(paths);
    created.push("certificates");
  }
  if (!(await hasUsableAdminToken(paths))) {
    await writeAdminToken({
      signingKeyFile: paths.tokenSigningKey,
      outFile: paths.adminToken,
      ttlMs: DEV_ADMIN_TOKEN_TTL_MS,
      subject: "dev-admin",
    });
    created.push("admin token");
  }
  return { paths, created };
}

async function writeCertificates(paths: StatePaths): Promise<void> {
  const certificates = await makeDevCertificates();
  writeFileSync(paths.caCert, certificates.caCertPem, { mode: 0o644 });
  writePrivateFile(paths.caKey, certificates.caKeyPem);
  writeFileSync(paths.serverCert, certificates.serverCertPem, {
    mode: 0o644,
  });
  writePrivateFile(paths.serverKey, certificates.serverKeyPem);
}

/** True when the admin token file exists and verifies with today's key. */
async function hasUsableAdminToken(paths: StatePaths): Promise<boolean> {
  if (!existsSync(paths.adminToken)) return false;
  try {
    const token = new Redacted(readFileSync(paths.adminToken, "utf8").trim());
    const verifyKey = toVerifyKey(
      readPrivateKey(paths.tokenSigningKey, "token-key-file"),
    );
    await verifyToken(token, verifyKey);
    return true;
  } catch {
    return false;
  }
}
