/**
 * `--dev`: makes (or reuses) everything a local server needs in one state
 * folder, so that the first run needs no setup and later runs keep their
 * keys, certificates, token and data.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { type StatePaths, statePaths } from "../../shared/dev-state.js";
import { SecretsError } from "../../shared/errors.js";
import { readSigningKey } from "../../shared/key-files.js";
import { writePrivateFile } from "../../shared/private-file.js";
import { Redacted } from "../../shared/redacted.js";
import { toVerifyKey, verifyToken } from "../../shared/tokens.js";
import { Keyring } from "../crypto/keyring.js";
import { writeAdminToken, writeSigningKeys } from "../state-keys.js";
import { surveyDatabase } from "../store/database-survey.js";
import { makeDevCertificates } from "./dev-certificates.js";
import { DEV_SAMPLE } from "./dev-guide.js";

/** Lifetime of the dev admin token, in milliseconds: one year. */
export const DEV_ADMIN_TOKEN_TTL_MS = 365 * 86_400_000;

/** What {@link ensureDevState} found or made. */
export interface DevStateReport {
  paths: StatePaths;
  /** Names of the files made this time (empty when all were reused). */
  created: string[];
  /** What the user should know about this run's state, one line each. */
  notes: string[];
  /** Env names the guide's sample algorithm holds already, sorted. */
  sampleEnvNames: string[];
}

/**
 * Creates whatever is missing in `dir`; reuses what is there. Refuses
 * (FAILED_PRECONDITION naming kek-file, before anything is made) a folder
 * whose database holds values sealed under a KEK the KEK file lacks, the
 * file missing included: a fresh KEK would start a server on which every
 * read of those values fails.
 */
export async function ensureDevState(dir: string): Promise<DevStateReport> {
  const paths = statePaths(dir);
  const created: string[] = [];
  const notes: string[] = [];
  mkdirSync(paths.dir, { recursive: true, mode: 0o700 });
  const hadDatabase = existsSync(paths.database);
  const survey = surveyDatabase(paths.database, DEV_SAMPLE.algorithm);
  checkKekFileHolds(paths, survey.kekIds);

  if (!existsSync(paths.kekFile)) {
    Keyring.openOrCreate(paths.kekFile);
    created.push("kek");
  }
  if (!existsSync(paths.tokenSigningKey)) {
    writeSigningKeys(paths);
    created.push("token signing key");
    if (hadDatabase) notes.push(NEW_SIGNING_KEY_NOTE);
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
  return { paths, created, notes, sampleEnvNames: survey.envNames };
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
      readSigningKey(paths.tokenSigningKey, "token-key-file"),
    );
    await verifyToken(token, verifyKey);
    return true;
  } catch {
    return false;
  }
}

/**
 * Said when a state folder with a database gets a new signing key: the
 * data is fine, but tokens signed by the old key no longer verify.
 * Acceptable, since tokens are cheap to issue again; admin.token is
 * reissued here already.
 */
const NEW_SIGNING_KEY_NOTE =
  "new token signing key: agent and admin tokens issued before no longer " +
  "verify; issue new ones with `secretsctl token create`";

/** Throws unless the KEK file holds every KEK in `kekIds`. */
function checkKekFileHolds(paths: StatePaths, kekIds: string[]): void {
  const isFilePresent = existsSync(paths.kekFile);
  const missing = isFilePresent ? missingKeks(paths.kekFile, kekIds) : kekIds;
  if (missing.length === 0) return;
  const problem = isFilePresent
    ? `${paths.kekFile} does not hold the key`
    : `${paths.kekFile} is missing`;
  throw new SecretsError(
    "FAILED_PRECONDITION",
    `kek-file: ${problem}; ${paths.database} holds secrets sealed under ` +
      `another key (KEK ${missing.join(", ")}): restore that key's KEK ` +
      "file, or move the database away to start empty",
    { field: "kek-file" },
  );
}

/** The ids in `kekIds` the KEK file lacks; a malformed file throws. */
function missingKeks(kekFile: string, kekIds: string[]): string[] {
  if (kekIds.length === 0) return [];
  return Keyring.open(kekFile).missing(kekIds);
}
