/**
 * The text `secrets-server --dev` prints on standard output: where its
 * files are and what to run next. Paths only; no key or token content.
 */
import { relative } from "node:path";
import type { StatePaths } from "../../shared/dev-state.js";

export interface DevGuideOptions {
  paths: StatePaths;
  addr: string;
  /** Files made on this run; empty when everything was reused. */
  created: string[];
  /** False under `--insecure-plaintext`; the lines to try then say so. */
  isTls: boolean;
}

/** The guide as lines of text. */
export function devGuide(options: DevGuideOptions): string {
  const { paths } = options;
  const shown = (path: string) => relative(process.cwd(), path) || ".";
  const state =
    options.created.length > 0
      ? `created ${options.created.join(", ")}`
      : "reused existing state";
  const transport = options.isTls ? "with TLS" : "WITHOUT TLS (plaintext)";
  const ctl = options.isTls ? "secretsctl" : "secretsctl --insecure-plaintext";
  return [
    `secrets-server (dev) listening on ${options.addr} ${transport}`,
    `state folder  ${shown(paths.dir)} (${state})`,
    `  database    ${shown(paths.database)}`,
    `  KEK file    ${shown(paths.kekFile)} (mode 0600)`,
    `  signing key ${shown(paths.tokenSigningKey)} (mode 0600)`,
    `  verify key  ${shown(paths.tokenVerifyKey)}`,
    `  CA cert     ${shown(paths.caCert)}`,
    `  server cert ${shown(paths.serverCert)}`,
    `  admin token ${shown(paths.adminToken)} (mode 0600)`,
    "",
    "Try next, in another terminal:",
    `  printf %s 'hunter2' | ${ctl} create demo/hello DB_PASSWORD --display-name "Database password"`,
    `  ${ctl} list demo/hello`,
    "",
  ].join("\n");
}
