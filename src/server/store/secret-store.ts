/**
 * The secrets store: validated, atomic writes of encrypted values and
 * their metadata, and decrypted snapshots for delivery. Every write runs
 * in one SQLite transaction that also bumps the algorithm's revision, so a
 * failed write leaves nothing behind and the revision unchanged.
 *
 * Limitation: one server process owns the database (see state-lock.ts);
 * several replicas need a shared store, which is not built yet. An
 * update always makes a new version, even when it sets the value the
 * secret had: values are never compared (agents then rewrite nothing).
 * Each value's length is stored beside it in clear, as its ciphertext's
 * length would tell anyway (AES-GCM does not pad).
 */
import { invalidArgument, SecretsError } from "../../shared/errors.js";
import {
  checkAlgorithm,
  checkDescription,
  checkDisplayName,
  checkEnvName,
  checkEnvNameSyntax,
  checkValue,
  MAX_ALGORITHM_BYTES,
} from "../../shared/names.js";
import type { Redacted } from "../../shared/redacted.js";
import { openValue, rewrapDek, sealValue } from "../crypto/envelope.js";
import type { Keyring } from "../crypto/keyring.js";
import {
  openDatabase,
  type SqliteDatabase,
  type Statement,
} from "./database.js";
import {
  bindingOf,
  fromColumns,
  type SecretRecord,
  type SecretRow,
  toColumns,
  toRecord,
} from "./rows.js";

export type { SecretRecord } from "./rows.js";

export interface CreateSecretInput {
  algorithm: string;
  envName: string;
  displayName: string;
  description: string;
  value: Redacted<Buffer>;
}

/** Fields left undefined stay as they are. */
export interface UpdateSecretInput {
  algorithm: string;
  envName: string;
  displayName?: string;
  description?: string;
  value?: Redacted<Buffer>;
}

/** One algorithm's decrypted secrets at one revision. */
export interface StoreSnapshot {
  algorithm: string;
  revision: number;
  /** Sorted by env name. */
  secrets: { envName: string; value: Buffer; version: number }[];
}

export interface SecretStoreOptions {
  /** SQLite file; created when missing. */
  databasePath: string;
  keyring: Keyring;
  /** Called right after each committed write. */
  onCommit?: (algorithm: string, revision: number) => void;
  /** Clock for timestamps; default `Date.now`. */
  nowMs?: () => number;
}

/** Encrypted secrets in one SQLite file. Never holds plaintext at rest. */
export class SecretStore {
  readonly #db: SqliteDatabase;
  readonly #keyring: Keyring;
  readonly #onCommit: (algorithm: string, revision: number) => void;
  readonly #nowMs: () => number;
  /**
   * Revisions of algorithms that have one, kept after each commit: a
   * heartbeat or a current agent then costs no query. This process is
   * the file's only writer, and only writes change a revision.
   */
  readonly #revisions = new Map<string, number>();
  /** Prepared statements by SQL text: preparing costs more than running. */
  readonly #statements = new Map<string, Statement>();

  constructor(options: SecretStoreOptions) {
    this.#db = openDatabase(options.databasePath);
    this.#keyring = options.keyring;
    this.#onCommit = options.onCommit ?? (() => {});
    this.#nowMs = options.nowMs ?? Date.now;
  }

  /** The algorithm's revision; 0 when it never had a secret. */
  revision(algorithm: string): number {
    const known = this.#revisions.get(algorithm);
    if (known !== undefined) return known;
    const row = this.#prepare(
      "SELECT revision FROM algorithms WHERE algorithm = ?",
    ).get(algorithm) as { revision: number } | undefined;
    // Only stored revisions are kept, so unknown names cannot grow the map.
    if (row) this.#revisions.set(algorithm, row.revision);
    return row?.revision ?? 0;
  }

  /** Adds a secret; ALREADY_EXISTS when the env name is taken. */
  create(input: CreateSecretInput): SecretRecord {
    checkAlgorithm(input.algorithm);
    checkEnvName(input.envName);
    checkDisplayName(input.displayName);
    checkDescription(input.description);
    const value = input.value.reveal();
    checkValue(value);
    return this.#write(input.algorithm, () => {
      if (this.#findRow(input.algorithm, input.envName)) {
        throw new SecretsError(
          "ALREADY_EXISTS",
          `env_name: ${input.envName} already exists in ${input.algorithm}`,
          { field: "env_name" },
        );
      }
      this.#checkTotal(input.algorithm, input.envName, value.length);
      const nowMs = this.#nowMs();
      const binding = { ...input, version: 1 };
      this.#insertRow({
        algorithm: input.algorithm,
        env_name: input.envName,
        display_name: input.displayName,
        description: input.description,
        version: 1,
        value_bytes: value.length,
        ...toColumns(sealValue(value, binding, this.#keyring)),
        created_at_ms: nowMs,
        updated_at_ms: nowMs,
      });
      return input.envName;
    });
  }

  /**
   * Changes the given fields and bumps the version. A new value gets a
   * fresh data key; an unchanged value is re-sealed too, because the
   * associated data binds the ciphertext to its version. An update that
   * names no field is refused (INVALID_ARGUMENT naming `update`): it
   * would bump version and revision and wake every agent for nothing.
   */
  update(input: UpdateSecretInput): SecretRecord {
    checkAlgorithm(input.algorithm);
    checkEnvName(input.envName);
    if (
      input.displayName === undefined &&
      input.description === undefined &&
      input.value === undefined
    ) {
      throw invalidArgument("update", "nothing to change");
    }
    if (input.displayName !== undefined) checkDisplayName(input.displayName);
    if (input.description !== undefined) checkDescription(input.description);
    const newValue = input.value?.reveal();
    if (newValue !== undefined) checkValue(newValue);
    return this.#write(input.algorithm, () => {
      const row = this.#mustFindRow(input.algorithm, input.envName);
      const value = newValue ?? this.#decryptRow(row);
      this.#checkTotal(input.algorithm, input.envName, value.length);
      const version = row.version + 1;
      const binding = { ...input, version };
      this.#insertRow({
        ...row,
        display_name: input.displayName ?? row.display_name,
        description: input.description ?? row.description,
        version,
        value_bytes: value.length,
        ...toColumns(sealValue(value, binding, this.#keyring)),
        updated_at_ms: this.#nowMs(),
      });
      return input.envName;
    });
  }

  /**
   * Removes a secret; NOT_FOUND when absent. The new revision. A reserved
   * name is accepted here, so a secret stored before its name was
   * reserved (which agents refuse to write) can be removed.
   */
  delete(algorithm: string, envName: string): number {
    checkAlgorithm(algorithm);
    checkEnvNameSyntax(envName);
    const run = this.#db.transaction(() => {
      this.#mustFindRow(algorithm, envName);
      this.#prepare(
        "DELETE FROM secrets WHERE algorithm = ? AND env_name = ?",
      ).run(algorithm, envName);
      return this.#bumpRevision(algorithm);
    });
    const revision = run.immediate();
    this.#committed(algorithm, revision);
    return revision;
  }

  /** One secret's metadata; NOT_FOUND when absent. Any name, as delete. */
  get(algorithm: string, envName: string): SecretRecord {
    checkAlgorithm(algorithm);
    checkEnvNameSyntax(envName);
    const row = this.#mustFindRow(algorithm, envName);
    return toRecord(row, this.revision(algorithm));
  }

  /** Every secret's metadata, sorted by env name, and the revision. */
  list(algorithm: string): { revision: number; secrets: SecretRecord[] } {
    checkAlgorithm(algorithm);
    const read = this.#db.transaction(() => {
      const revision = this.revision(algorithm);
      const rows = this.#rowsOf(algorithm);
      return { revision, secrets: rows.map((row) => toRecord(row, revision)) };
    });
    return read.deferred();
  }

  /** The algorithm's decrypted secrets at its current revision. */
  snapshot(algorithm: string): StoreSnapshot {
    const read = this.#db.transaction(() => ({
      revision: this.revision(algorithm),
      rows: this.#rowsOf(algorithm),
    }));
    const { revision, rows } = read.deferred();
    const secrets = rows.map((row) => ({
      envName: row.env_name,
      value: this.#decryptRow(row),
      version: row.version,
    }));
    return { algorithm, revision, secrets };
  }

  /**
   * Re-wraps every data key under the keyring's active KEK, in one
   * transaction. Values and revisions do not change.
   */
  rewrapAll(): { rewrapped: number; kekId: string } {
    const kekId = this.#keyring.active().id;
    const run = this.#db.transaction(() => {
      const rows = this.#prepare("SELECT * FROM secrets WHERE kek_id != ?").all(
        kekId,
      ) as SecretRow[];
      for (const row of rows) {
        const binding = bindingOf(row);
        const sealed = rewrapDek(fromColumns(row), binding, this.#keyring);
        this.#insertRow({ ...row, ...toColumns(sealed) });
      }
      return rows.length;
    });
    return { rewrapped: run.immediate(), kekId };
  }

  /** Count of secrets per KEK id, for reports. */
  countByKek(): Record<string, number> {
    const rows = this.#prepare(
      "SELECT kek_id, COUNT(*) AS n FROM secrets GROUP BY kek_id",
    ).all() as { kek_id: string; n: number }[];
    return Object.fromEntries(rows.map((row) => [row.kek_id, row.n]));
  }

  close(): void {
    this.#statements.clear();
    this.#revisions.clear();
    if (this.#db.open) this.#db.close();
  }

  /** `sql` prepared once, then reused for every later call. */
  #prepare(sql: string): Statement {
    let statement = this.#statements.get(sql);
    if (!statement) {
      statement = this.#db.prepare(sql);
      this.#statements.set(sql, statement);
    }
    return statement;
  }

  /** Runs `change` and the revision bump in one transaction. */
  #write(algorithm: string, change: () => string): SecretRecord {
    const run = this.#db.transaction(() => {
      const envName = change();
      const revision = this.#bumpRevision(algorithm);
      return toRecord(this.#mustFindRow(algorithm, envName), revision);
    });
    const record = run.immediate();
    this.#committed(algorithm, record.revision);
    return record;
  }

  /** After a commit (never inside its transaction, which may roll back). */
  #committed(algorithm: string, revision: number): void {
    this.#revisions.set(algorithm, revision);
    this.#onCommit(algorithm, revision);
  }

  #bumpRevision(algorithm: string): number {
    const row = this.#prepare(
      `INSERT INTO algorithms (algorithm, revision) VALUES (?, 1)
         ON CONFLICT (algorithm) DO UPDATE SET revision = revision + 1
         RETURNING revision`,
    ).get(algorithm) as { revision: number };
    return row.revision;
  }

  #checkTotal(algorithm: string, envName: string, valueBytes: number): void {
    const row = this.#prepare(
      `SELECT COALESCE(SUM(value_bytes), 0) AS total FROM secrets
         WHERE algorithm = ? AND env_name != ?`,
    ).get(algorithm, envName) as { total: number };
    if (row.total + valueBytes > MAX_ALGORITHM_BYTES) {
      throw new SecretsError(
        "INVALID_ARGUMENT",
        `value: ${algorithm}'s values would total ${row.total + valueBytes} bytes; the limit is ${MAX_ALGORITHM_BYTES}`,
        { field: "value" },
      );
    }
  }

  #insertRow(row: SecretRow): void {
    this.#prepare(
      `INSERT OR REPLACE INTO secrets (algorithm, env_name, display_name,
           description, version, value_bytes, sealed_value, wrapped_dek,
           kek_id, created_at_ms, updated_at_ms)
         VALUES (@algorithm, @env_name, @display_name, @description,
           @version, @value_bytes, @sealed_value, @wrapped_dek, @kek_id,
           @created_at_ms, @updated_at_ms)`,
    ).run(row);
  }

  #rowsOf(algorithm: string): SecretRow[] {
    return this.#prepare(
      "SELECT * FROM secrets WHERE algorithm = ? ORDER BY env_name",
    ).all(algorithm) as SecretRow[];
  }

  #findRow(algorithm: string, envName: string): SecretRow | undefined {
    return this.#prepare(
      "SELECT * FROM secrets WHERE algorithm = ? AND env_name = ?",
    ).get(algorithm, envName) as SecretRow | undefined;
  }

  #mustFindRow(algorithm: string, envName: string): SecretRow {
    const row = this.#findRow(algorithm, envName);
    if (!row) {
      throw new SecretsError(
        "NOT_FOUND",
        `env_name: ${envName} does not exist in ${algorithm}`,
        { field: "env_name" },
      );
    }
    return row;
  }

  #decryptRow(row: SecretRow): Buffer {
    return openValue(fromColumns(row), bindingOf(row), this.#keyring);
  }
}
