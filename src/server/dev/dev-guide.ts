/**
 * The text `secrets-server --dev` prints on standard output: where its
 * files are and what to run next. Paths only; no key or token content.
 * The lines to try are `npx secretsctl …` lines that work as pasted in
 * the folder the server was started from (the repository root, in the
 * README's walkthrough).
 */
import { relative, resolve } from "node:path";
import {
  DEFAULT_ADDR,
  DEV_STATE_DIR,
  type StatePaths,
} from "../../shared/dev-state.js";

/**
 * The sample secret of the lines to try, as in the README's walkthrough.
 * Its value is a placeholder everybody knows, never a real secret.
 */
export const DEV_SAMPLE = {
  algorithm: "demo/hello",
  envName: "DB_PASSWORD",
  displayName: "Database password",
  value: "hunter2",
} as const;

export interface DevGuideOptions {
  paths: StatePaths;
  addr: string;
  /** Files made on this run; empty when everything was reused. */
  created: string[];
  /** Lines the user should know about this run's state; default none. */
  notes?: string[];
  /** True when the sample secret is stored already (a re-run). */
  isSampleStored?: boolean;
  /** False under `--insecure-plaintext`; the lines to try then say so. */
  isTls: boolean;
}

/** What a `secretsctl` line must say to reach a dev server. */
export interface SecretsctlTarget {
  addr: string;
  /** The server's state folder, where the CLI finds token and CA. */
  stateDir: string;
  isTls: boolean;
}

/** The guide as lines of text. */
export function devGuide(options: DevGuideOptions): string {
  const { paths } = options;
  const state =
    options.created.length > 0
      ? `created ${options.created.join(", ")}`
      : "reused existing state";
  const transport = options.isTls ? "with TLS" : "WITHOUT TLS (plaintext)";
  const ctl = secretsctlCommand({ ...options, stateDir: paths.dir });
  return [
    `secrets-server (dev) listening on ${options.addr} ${transport}`,
    `state folder  ${shownPath(paths.dir)} (${state})`,
    `  database    ${shownPath(paths.database)}`,
    `  KEK file    ${shownPath(paths.kekFile)} (mode 0600)`,
    `  signing key ${shownPath(paths.tokenSigningKey)} (mode 0600)`,
    `  verify key  ${shownPath(paths.tokenVerifyKey)}`,
    `  CA cert     ${shownPath(paths.caCert)}`,
    `  server cert ${shownPath(paths.serverCert)}`,
    `  admin token ${shownPath(paths.adminToken)} (mode 0600)`,
    ...(options.notes ?? []).map((note) => `note: ${note}`),
    "",
    "Try next, in another terminal in this folder:",
    `  ${sampleWriteLine(ctl, options.isSampleStored === true)}`,
    `  ${ctl} list ${DEV_SAMPLE.algorithm}`,
    "",
  ].join("\n");
}

/**
 * The line that stores the sample secret: `create` the first time and
 * `update` once it exists, so the line works as pasted on a re-run too.
 */
export function sampleWriteLine(ctl: string, isStored: boolean): string {
  const { algorithm, envName, displayName, value } = DEV_SAMPLE;
  const command = isStored
    ? `update ${algorithm} ${envName} --value-stdin`
    : `create ${algorithm} ${envName} --display-name "${displayName}"`;
  return `printf '%s' '${value}' | ${ctl} ${command}`;
}

/**
 * `npx secretsctl` plus the global flags that `target` needs beyond the
 * defaults: `--addr` off 127.0.0.1:7443, `--state-dir` off
 * `./.algorithm-secrets`, `--insecure-plaintext` without TLS.
 */
export function secretsctlCommand(target: SecretsctlTarget): string {
  const words = ["npx", "secretsctl"];
  if (target.addr !== DEFAULT_ADDR) words.push("--addr", target.addr);
  if (resolve(target.stateDir) !== resolve(DEV_STATE_DIR)) {
    words.push("--state-dir", shellQuote(shownPath(target.stateDir)));
  }
  if (!target.isTls) words.push("--insecure-plaintext");
  return words.join(" ");
}

/** `path` relative to the current folder when inside it, else absolute. */
export function shownPath(path: string): string {
  const shown = relative(process.cwd(), path);
  if (shown === "") return ".";
  return shown.startsWith("..") ? resolve(path) : shown;
}

/** `text` as one shell word: bare when safe, else single-quoted. */
export function shellQuote(text: string): string {
  if (/^[\w@%+=:,./-]+$/.test(text)) return text;
  return `'${text.replace(/'/g, `'\\''`)}'`;
}
