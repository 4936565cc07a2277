/**
 * `secrets-server init`: the production path's first step. Makes a state
 * folder with the key-encryption key file and the token signing key pair,
 * and on request a first admin token, then says what to run next. It
 * makes no certificates: production brings its own, from the CA its
 * clients already trust.
 */
import { existsSync, mkdirSync } from "node:fs";
import { type StatePaths, statePaths } from "../shared/dev-state.js";
import { SecretsError } from "../shared/errors.js";
import { Keyring } from "./crypto/keyring.js";
import { shownPath } from "./dev/dev-guide.js";
import { writeAdminToken, writeSigningKeys } from "./state-keys.js";

/**
 * Lifetime of the admin token `--admin-token-out` writes, in ms: one day,
 * enough to bootstrap; longer-lived tokens are a deliberate
 * `secretsctl token create --ttl` away.
 */
export const INIT_ADMIN_TOKEN_TTL_MS = 24 * 3_600_000;

export interface InitStateOptions {
  stateDir: string;
  /** Also write an admin token (scope: all algorithms) here, mode 0600. */
  adminTokenOut?: string | undefined;
}

export interface InitStateReport {
  paths: StatePaths;
  adminTokenOut: string | undefined;
}

/**
 * Creates the folder (0700) and its keys. Refuses, before writing
 * anything, when any file it would write exists: a second `init` must
 * never replace a KEK (the stored values would become unreadable) or a
 * signing key (every issued token would stop working).
 */
export async function initState(
  options: InitStateOptions,
): Promise<InitStateReport> {
  const paths = statePaths(options.stateDir);
  const targets = [paths.kekFile, paths.tokenSigningKey, paths.tokenVerifyKey];
  if (options.adminTokenOut) targets.push(options.adminTokenOut);
  const existing = targets.find((path) => existsSync(path));
  if (existing) {
    throw new SecretsError(
      "FAILED_PRECONDITION",
      `init: ${existing} exists already; init never overwrites keys`,
      { field: "state-dir" },
    );
  }

  mkdirSync(paths.dir, { recursive: true, mode: 0o700 });
  Keyring.create(paths.kekFile);
  writeSigningKeys(paths, { isExclusive: true });
  if (options.adminTokenOut) {
    await writeAdminToken({
      signingKeyFile: paths.tokenSigningKey,
      outFile: options.adminTokenOut,
      ttlMs: INIT_ADMIN_TOKEN_TTL_MS,
      subject: "init-admin",
      isExclusive: true,
    });
  }
  return { paths, adminTokenOut: options.adminTokenOut };
}

/** What `init` prints: the files made and the commands to run next. */
export function initGuide(report: InitStateReport): string {
  const { paths } = report;
  const shown = shownPath;
  const dir = shown(paths.dir);
  const signingKey = shown(paths.tokenSigningKey);
  const token = report.adminTokenOut ?? "admin.token";
  const lines = [
    `created ${dir}/`,
    `  KEK file    ${shown(paths.kekFile)} (mode 0600)`,
    `  signing key ${signingKey} (mode 0600; whoever reads it can issue tokens)`,
    `  verify key  ${shown(paths.tokenVerifyKey)}`,
  ];
  if (report.adminTokenOut) {
    lines.push(`  admin token ${report.adminTokenOut} (mode 0600, valid 24h)`);
  }
  lines.push(
    "",
    "Next:",
    "  1. Start the server with your own certificate and key (PEM):",
    `     npx secrets-server --state-dir ${dir} --listen 0.0.0.0:7443 \\`,
    "       --tls-cert /path/server.crt --tls-key /path/server.key",
    "     (add --tls-client-ca /path/ca.pem to demand client certificates;",
    "     secretsctl and secrets-agent then need --client-cert and --client-key)",
  );
  if (!report.adminTokenOut) {
    lines.push(
      "  2. Issue an admin token:",
      `     npx secretsctl token create --signing-key-file ${signingKey} \\`,
      `       --admin --algorithm all --out ${token}`,
    );
  }
  lines.push(
    `  ${report.adminTokenOut ? 2 : 3}. Manage secrets:`,
    "     npx secretsctl --addr HOST:7443 --ca-file /path/ca.pem \\",
    `       --token-file ${token} list OWNER/NAME`,
    `  ${report.adminTokenOut ? 3 : 4}. Issue each agent its token:`,
    `     npx secretsctl token create --signing-key-file ${signingKey} \\`,
    "       --algorithm OWNER/NAME --out agent.token",
    "",
  );
  return lines.join("\n");
}
