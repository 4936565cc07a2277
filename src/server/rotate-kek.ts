/**
 * `secrets-server rotate-kek`: adds a new key-encryption key, makes it
 * active and re-wraps every data key under it in one transaction. Safe to
 * run while the server runs: the server picks the new key up from the
 * file, and old keys stay in the file so nothing becomes unreadable.
 *
 * The order is what keeps every value readable: the new KEK file is on
 * disk (file and folder synced) before any data key is wrapped under the
 * new key, and the whole rotation runs under the rotation lock, so a
 * second `rotate-kek` waits instead of replacing the file with one that
 * lacks this rotation's key.
 */
import { existsSync } from "node:fs";
import { SecretsError } from "../shared/errors.js";
import { Keyring } from "./crypto/keyring.js";
import { lockKekRotation } from "./rotation-lock.js";
import { SecretStore } from "./store/secret-store.js";

export interface RotateKekOptions {
  kekFile: string;
  databasePath: string;
  /** How long to wait for a rotation already running, in ms. */
  lockWaitMs?: number;
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
  const lock = lockKekRotation(options.kekFile, options.lockWaitMs);
  try {
    return rotateHoldingLock(options);
  } finally {
    lock.release();
  }
}

function rotateHoldingLock(options: RotateKekOptions): RotateKekReport {
  // Read under the lock: the file may have changed while this waited.
  const keyring = Keyring.open(options.kekFile);
  const previousKekId = keyring.active().id;
  // Opened before rotating, so that an unusable database adds no key.
  const store = new SecretStore({
    databasePath: options.databasePath,
    keyring,
  });
  try {
    const activeKekId = keyring.rotate();
    const { rewrapped } = store.rewrapAll();
    return { previousKekId, activeKekId, rewrapped, byKek: store.countByKek() };
  } finally {
    store.close();
  }
}
