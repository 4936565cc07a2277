/**
 * The mapping between the `secrets` table's rows and the store's records
 * and sealed values.
 */
import type { SealedValue, ValueBinding } from "../crypto/envelope.js";

/** A secret's metadata, plus the algorithm's revision at read time. */
export interface SecretRecord {
  algorithm: string;
  envName: string;
  displayName: string;
  description: string;
  version: number;
  createdAtMs: number;
  updatedAtMs: number;
  revision: number;
}

/** A row of the `secrets` table as better-sqlite3 returns it. */
export interface SecretRow {
  algorithm: string;
  env_name: string;
  display_name: string;
  description: string;
  version: number;
  value_bytes: number;
  sealed_value: Buffer;
  wrapped_dek: Buffer;
  kek_id: string;
  created_at_ms: number;
  updated_at_ms: number;
}

/** What the row's ciphertext is bound to. */
export function bindingOf(row: SecretRow): ValueBinding {
  return {
    algorithm: row.algorithm,
    envName: row.env_name,
    version: row.version,
  };
}

/** A sealed value as row columns. */
export function toColumns(sealed: SealedValue) {
  return {
    sealed_value: sealed.sealedValue,
    wrapped_dek: sealed.wrappedDek,
    kek_id: sealed.kekId,
  };
}

/** The sealed value stored in a row. */
export function fromColumns(row: SecretRow): SealedValue {
  return {
    sealedValue: row.sealed_value,
    wrappedDek: row.wrapped_dek,
    kekId: row.kek_id,
  };
}

/** The metadata of a row, at `revision`. */
export function toRecord(row: SecretRow, revision: number): SecretRecord {
  return {
    algorithm: row.algorithm,
    envName: row.env_name,
    displayName: row.display_name,
    description: row.description,
    version: row.version,
    createdAtMs: row.created_at_ms,
    updatedAtMs: row.updated_at_ms,
    revision,
  };
}
