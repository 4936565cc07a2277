/**
 * Envelope encryption of secret values: each value gets a fresh 256-bit
 * data key (DEK) and AES-256-GCM; the DEK is wrapped by the keyring's
 * active key-encryption key (KEK), also with AES-256-GCM. The value's
 * associated data binds it to its algorithm, env name and version, and the
 * wrap's associated data binds the DEK to its KEK id, so a ciphertext
 * copied to another row or version fails authentication instead of
 * decrypting to a wrong secret.
 */
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { SecretsError } from "../../shared/errors.js";
import { KEY_BYTES, type Keyring } from "./keyring.js";

const CIPHER = "aes-256-gcm";
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** Domain labels, so a value blob can never pass as a wrapped key. */
const VALUE_DOMAIN = "algorithm-secrets/v1/value";
const WRAP_DOMAIN = "algorithm-secrets/v1/dek";

/** What a ciphertext is bound to. */
export interface ValueBinding {
  algorithm: string;
  envName: string;
  version: number;
}

/**
 * A stored value. Each blob is `iv (12) | tag (16) | ciphertext`; none of
 * it reveals the value beyond its length.
 */
export interface SealedValue {
  sealedValue: Buffer;
  wrappedDek: Buffer;
  kekId: string;
}

/** Encrypts `plaintext` under a fresh DEK wrapped by the active KEK. */
export function sealValue(
  plaintext: Buffer,
  binding: ValueBinding,
  keyring: Keyring,
): SealedValue {
  const dek = randomBytes(KEY_BYTES);
  try {
    const sealedValue = seal(dek, plaintext, valueAad(binding));
    const kek = keyring.active();
    const wrappedDek = seal(kek.key, dek, wrapAad(kek.id));
    return { sealedValue, wrappedDek, kekId: kek.id };
  } finally {
    dek.fill(0);
  }
}

/** The plaintext of `sealed`; INTERNAL naming the row if it fails. */
export function openValue(
  sealed: SealedValue,
  binding: ValueBinding,
  keyring: Keyring,
): Buffer {
  const dek = unwrapDek(sealed, binding, keyring);
  try {
    return open(dek, sealed.sealedValue, valueAad(binding));
  } catch (error) {
    throw failedAuthentication("stored ciphertext", binding, error);
  } finally {
    dek.fill(0);
  }
}

/** `sealed` with its DEK re-wrapped under the active KEK. */
export function rewrapDek(
  sealed: SealedValue,
  binding: ValueBinding,
  keyring: Keyring,
): SealedValue {
  const dek = unwrapDek(sealed, binding, keyring);
  try {
    const kek = keyring.active();
    const wrappedDek = seal(kek.key, dek, wrapAad(kek.id));
    return { sealedValue: sealed.sealedValue, wrappedDek, kekId: kek.id };
  } finally {
    dek.fill(0);
  }
}

function unwrapDek(
  sealed: SealedValue,
  binding: ValueBinding,
  keyring: Keyring,
): Buffer {
  const kek = keyring.keyFor(sealed.kekId);
  try {
    return open(kek, sealed.wrappedDek, wrapAad(sealed.kekId));
  } catch (error) {
    throw failedAuthentication("stored data key", binding, error);
  }
}

function failedAuthentication(
  what: string,
  binding: ValueBinding,
  cause: unknown,
): SecretsError {
  const name = `${binding.algorithm}/${binding.envName}`;
  return new SecretsError(
    "INTERNAL",
    `${what} for ${name} failed authentication`,
    { cause },
  );
}

function seal(key: Buffer, plaintext: Buffer, aad: Buffer): Buffer {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv(CIPHER, key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad);
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]);
}

function open(key: Buffer, blob: Buffer, aad: Buffer): Buffer {
  if (blob.length < IV_BYTES + TAG_BYTES) throw new Error("blob too short");
  const iv = blob.subarray(0, IV_BYTES);
  const tag = blob.subarray(IV_BYTES, IV_BYTES + TAG_BYTES);
  const decipher = createDecipheriv(CIPHER, key, iv, {
    authTagLength: TAG_BYTES,
  });
  decipher.setAAD(aad);
  decipher.setAuthTag(tag);
  const body = blob.subarray(IV_BYTES + TAG_BYTES);
  return Buffer.concat([decipher.update(body), decipher.final()]);
}

/** Length-prefixed fields, so no two bindings encode the same bytes. */
function valueAad(binding: ValueBinding): Buffer {
  const version = Buffer.alloc(8);
  version.writeBigUInt64BE(BigInt(binding.version));
  return Buffer.concat([
    lengthPrefixed(VALUE_DOMAIN),
    lengthPrefixed(binding.algorithm),
    lengthPrefixed(binding.envName),
    version,
  ]);
}

function wrapAad(kekId: string): Buffer {
  return Buffer.concat([lengthPrefixed(WRAP_DOMAIN), lengthPrefixed(kekId)]);
}

function lengthPrefixed(text: string): Buffer {
  const bytes = Buffer.from(text, "utf8");
  const length = Buffer.alloc(4);
  length.writeUInt32BE(bytes.length);
  return Buffer.concat([length, bytes]);
}
