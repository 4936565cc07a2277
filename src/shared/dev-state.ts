/**
 * Where dev mode keeps its files. The server creates them with `--dev`;
 * `secretsctl` and `secrets-agent` fall back to them when no setting names
 * a token, CA or address, so the README's walkthrough needs no flags.
 */
import { join, resolve } from "node:path";

/** Default dev state folder, relative to the current directory. */
export const DEV_STATE_DIR = ".algorithm-secrets";

/** Default address of the service, as in the design. */
export const DEFAULT_ADDR = "127.0.0.1:7443";

export interface StatePaths {
  dir: string;
  database: string;
  kekFile: string;
  tokenSigningKey: string;
  tokenVerifyKey: string;
  caCert: string;
  caKey: string;
  serverCert: string;
  serverKey: string;
  adminToken: string;
}

/** The file layout of a state folder. */
export function statePaths(dir: string = DEV_STATE_DIR): StatePaths {
  const root = resolve(dir);
  return {
    dir: root,
    database: join(root, "secrets.db"),
    kekFile: join(root, "kek.json"),
    tokenSigningKey: join(root, "token-signing.key"),
    tokenVerifyKey: join(root, "token-signing.pub"),
    caCert: join(root, "ca.crt"),
    caKey: join(root, "ca.key"),
    serverCert: join(root, "server.crt"),
    serverKey: join(root, "server.key"),
    adminToken: join(root, "admin.token"),
  };
}
