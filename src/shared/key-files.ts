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

/**
 * Keys here sign and verify tokens, which are EdDSA over Ed25519 only: a
 * key of another type is refused when read, naming the file, rather than
 * failing later as an internal error.
 */
const TOKEN_KEY_TYPE = "ed25519";

/** An Ed25519 PEM private key from `path`, for signing tokens. */
export function readSigningKey(path: string, setting: string): KeyObject {
  const pem = readSettingFile(path, setting);
  return requireTokenKeyType(
    parsePem(() => createPrivateKey(pem), path, setting, "private key"),
    path,
    setting,
  );
}

/**
 * An Ed25519 PEM key from `path` that can verify token signatures: a
 * public key, or a private key whose public half is taken.
 */
export function readVerifyKey(path: string, setting: string): KeyObject {
  const pem = readSettingFile(path, setting);
  return requireTokenKeyType(
    parsePem(
      () => createPublicKey(pem),
      path,
      setting,
      "public or private key",
    ),
    path,
    setting,
  );
}

/**
 * What `parse` makes of a file's PEM text; FAILED_PRECONDITION naming
 * `setting` and the file ("is not a PEM `kind`") when it throws. The
 * parser's own error stays as the cause only: its text may quote the file.
 */
export function parsePem<T>(
  parse: () => T,
  path: string,
  setting: string,
  kind: string,
): T {
  try {
    return parse();
  } catch (error) {
    throw new SecretsError(
      "FAILED_PRECONDITION",
      `${setting}: ${path} is not a PEM ${kind}`,
      { field: setting, cause: error },
    );
  }
}

function requireTokenKeyType(
  key: KeyObject,
  path: string,
  setting: string,
): KeyObject {
  if (key.asymmetricKeyType === TOKEN_KEY_TYPE) return key;
  throw new SecretsError(
    "FAILED_PRECONDITION",
    `${setting}: ${path} is not an Ed25519 key (found ${key.asymmetricKeyType ?? "a secret key"})`,
    { field: setting },
  );
}
