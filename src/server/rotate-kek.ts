/**
 * `secrets-server rotate-kek`: adds a new key-encryption key, makes it
 * active and re-wraps every data key under it in one transaction. Safe to
 * run while the server runs: the server picks the new key up from the
 * file, and old keys stay in the file so nothing becomes unreadable.
 */
import { existsSync } from "node:fs";
import { SecretsError } from "../shared/errors.js";
import { Keyring } from "./crypto/keyring.js";
import { SecretStore } from "./store/secret-store.js";

export interface RotateKekOptions {
  kekFile: string;
  databasePath: string;
}

/** What a rotation did: ids and counts, never a key or a value. */
export interface RotateKekReport {
  previousKekId: string;
  activeKekId: string;
  rewrapped: number;
  /** Secrets per KEK id after the re-wrap. */
  byKek: Record<string, number>;
}

/** Rotates the KEK in `kekFile` and re-wraps the database's data keys. */
export function rotateKek(options: RotateKekOptions): RotateKekReport {
  if (!existsSync(options.kekFile)) {
    throw new SecretsError(
      "FAILED_PRECONDITION",
      `kek-file: ${options.kekFile} does not exist`,
      { field: "kek-file" },
    );
  }
  const keyring = Keyring.open(options.kekFile);
  const previousKekId = keyring.active().id;
  const activeKekId = keyring.rotate();
  const store = new SecretStore({
    databasePath: options.databasePath,
    keyring,
  });
  try {
    const { rewrapped } = store.rewrapAll();
    return { previousKekId, activeKekId, rewrapped, byKek: store.countByKek() };
  } finally {
    store.close();
  }
}
