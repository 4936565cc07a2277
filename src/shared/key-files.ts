/**
 * Reading key and certificate files with errors that name the file and the
 * setting but never echo the file's content.
 */
import { createPrivateKey, createPublicKey, type KeyObject } from "node:crypto";
import { readFileSync } from "node:fs";
import { SecretsError } from "./errors.js";

/** A file's bytes; FAILED_PRECONDITION naming `setting` when unreadable. */
export function readSettingFile(path: string, setting: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? "unreadable";
    throw new SecretsError(
      "FAILED_PRECONDITION",
      `${setting}: cannot read ${path} (${reason})`,
      { field: setting, cause: error },
    );
  }
}

/** A PEM private key from `path`. */
export function readPrivateKey(path: string, setting: string): KeyObject {
  const pem = readSettingFile(path, setting);
  try {
    return createPrivateKey(pem);
  } catch (error) {
    throw new SecretsError(
      "FAILED_PRECONDITION",
      `${setting}: ${path} is not a PEM private key`,
      { field: setting, cause: error },
    );
  }
}

/**
 * A PEM key from `path` that can verify signatures: a public key, or a
 * private key whose public half is taken.
 */
export function readVerifyKey(path: string, setting: string): KeyObject {
  const pem = readSettingFile(path, setting);
  try {
    return createPublicKey(pem);
  } catch (error) {
    throw new SecretsError(
      "FAILED_PRECONDITION",
      `${setting}: ${path} is not a PEM public or private key`,
      { field: setting, cause: error },
    );
  }
}
