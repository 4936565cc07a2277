/**
 * The key-encryption keys (KEKs): a JSON file `{active, keys: {id: base64}}`
 * with mode 0600. The active key wraps new data keys; every listed key
 * still unwraps, so a rotation never strands a value.
 *
 * Limitation: old keys are never removed from the file; there is no
 * command yet that drops a key once nothing is wrapped under it.
 */
import { randomBytes } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import * as v from "valibot";
import { SecretsError } from "../../shared/errors.js";
import {
  type PrivateFileOptions,
  writePrivateFile,
} from "../../shared/private-file.js";

/** Bytes in an AES-256 key. */
export const KEY_BYTES = 32;

const keyringFileSchema = v.object({
  active: v.pipe(v.string(), v.minLength(1)),
  keys: v.record(v.string(), v.string()),
});

/**
 * Told the ids after the file was read again, or, when the new file was
 * refused because it lacks keys the server holds, the ids it lacks; never
 * the key bytes.
 */
export type KeyringReloadListener = (reload: {
  activeKekId: string;
  kekIds: string[];
  droppedKekIds?: string[];
}) => void;

/** One key-encryption key: its id and its bytes. */
export interface Kek {
  id: string;
  key: Buffer;
}

/**
 * The KEK file, loaded into memory. Reloads the file when it changed on
 * disk or when asked for an id it does not know, so that
 * `secrets-server rotate-kek` run as a separate process while the server
 * runs takes effect without a restart.
 *
 * A changed file that lacks a key already loaded is not taken: values
 * may be wrapped under that key, and new ones would be wrapped under a
 * key that the old file, once put back, does not hold. The loaded keys
 * stay in use and the listener hears which ids the file dropped.
 */
export class Keyring {
  readonly path: string;
  #active = "";
  #keys = new Map<string, Buffer>();
  #loadedMtimeMs = -1;
  readonly #onReload: KeyringReloadListener | undefined;

  private constructor(path: string, onReload?: KeyringReloadListener) {
    this.path = path;
    this.#reload();
    // Set after the first load: only a reload is news to the listener.
    this.#onReload = onReload;
  }

  /**
   * Loads `path`; FAILED_PRECONDITION naming the file when unusable.
   * `onReload` hears of each later reload (after a rotation, say).
   */
  static open(path: string, onReload?: KeyringReloadListener): Keyring {
    return new Keyring(path, onReload);
  }

  /**
   * Creates `path` with one fresh key and opens it. Exclusive: when the
   * file exists, FAILED_PRECONDITION and the file is left as it is, since
   * replacing a KEK strands every value wrapped under it.
   */
  static create(path: string): Keyring {
    if (!createKeyringFile(path)) {
      throw new SecretsError(
        "FAILED_PRECONDITION",
        `kek-file: ${path} exists already; a KEK is never replaced`,
        { field: "kek-file" },
      );
    }
    return new Keyring(path);
  }

  /**
   * Opens `path`, first creating it with one fresh key when missing. When
   * another process creates it first, its key is kept and opened.
   */
  static openOrCreate(path: string): Keyring {
    createKeyringFile(path);
    return new Keyring(path);
  }

  /** The key that wraps new data keys. */
  active(): Kek {
    if (this.#fileMtimeMs() !== this.#loadedMtimeMs) this.#reload();
    return { id: this.#active, key: this.#mustHave(this.#active) };
  }

  /** The key with `id`, reloading the file once if it is not known. */
  keyFor(id: string): Buffer {
    if (!this.#keys.has(id)) this.#reload();
    return this.#mustHave(id);
  }

  /**
   * The ids in `kekIds` this keyring cannot unwrap with, after reading the
   * file again once if any is unknown.
   */
  missing(kekIds: readonly string[]): string[] {
    if (kekIds.some((id) => !this.#keys.has(id))) this.#reload();
    return kekIds.filter((id) => !this.#keys.has(id));
  }

  /**
   * Adds a fresh key, makes it active and saves the file durably (synced
   * to disk, folder included, before this returns); its id.
   *
   * Two rotations of one file at once would each add a key and one would
   * lose its key to the other's rename: a caller in a process of its own
   * holds the rotation lock around this (see `rotateKek`).
   */
  rotate(): string {
    this.#reload();
    const id = newKekId();
    const keys = new Map(this.#keys);
    keys.set(id, randomBytes(KEY_BYTES));
    writeKeyringFile(this.path, { active: id, keys });
    this.#reload();
    return id;
  }

  #mustHave(id: string): Buffer {
    const key = this.#keys.get(id);
    if (!key) {
      throw new SecretsError(
        "INTERNAL",
        `key-encryption key ${id} is not in ${this.path}`,
      );
    }
    return key;
  }

  #fileMtimeMs(): number {
    try {
      return statSync(this.path).mtimeMs;
    } catch {
      return this.#loadedMtimeMs;
    }
  }

  #reload(): void {
    this.#loadedMtimeMs = this.#fileMtimeMs();
    const parsed = parseKeyringFile(this.path);
    const droppedKekIds = [...this.#keys.keys()].filter(
      (id) => !parsed.keys.has(id),
    );
    if (droppedKekIds.length === 0) {
      this.#active = parsed.active;
      this.#keys = parsed.keys;
    }
    this.#onReload?.({
      activeKekId: this.#active,
      kekIds: [...this.#keys.keys()],
      ...(droppedKekIds.length > 0 && { droppedKekIds }),
    });
  }
}

/** What the file holds: the active key's id and every key by id. */
interface KeyringContents {
  active: string;
  keys: Map<string, Buffer>;
}

function parseKeyringFile(path: string): KeyringContents {
  const fail = (problem: string, cause?: unknown) =>
    new SecretsError("FAILED_PRECONDITION", `kek-file: ${path} ${problem}`, {
      field: "kek-file",
      cause,
    });
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw fail("is missing or unreadable", error);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    // No cause: V8's parse errors quote the text around the fault, and
    // this text is key material.
    throw fail("is not JSON");
  }
  const parsed = v.safeParse(keyringFileSchema, raw);
  if (!parsed.success) throw fail("is not {active, keys: {id: base64}}");
  const keys = new Map<string, Buffer>();
  for (const [id, encoded] of Object.entries(parsed.output.keys)) {
    const key = Buffer.from(encoded, "base64");
    if (key.length !== KEY_BYTES) throw fail(`key ${id} is not 32 bytes`);
    keys.set(id, key);
  }
  if (!keys.has(parsed.output.active)) throw fail("names an absent active key");
  return { active: parsed.output.active, keys };
}

/**
 * Writes the file as a private file (temporary name, fsync, rename or
 * link, folder fsync), so a reader in another process never sees half a
 * keyring and a crash never loses a key that data may already use.
 */
function writeKeyringFile(
  path: string,
  contents: KeyringContents,
  options: PrivateFileOptions = {},
): void {
  const body = {
    active: contents.active,
    keys: Object.fromEntries(
      [...contents.keys].map(([id, key]) => [id, key.toString("base64")]),
    ),
  };
  writePrivateFile(path, `${JSON.stringify(body, null, 2)}\n`, options);
}

/**
 * Writes a fresh one-key file at `path` unless one exists; true when it
 * wrote. No existence check comes first: a file made between a check and
 * the write would be replaced. The exclusive write is the check.
 */
function createKeyringFile(path: string): boolean {
  const id = newKekId();
  const keys = new Map([[id, randomBytes(KEY_BYTES)]]);
  try {
    writeKeyringFile(path, { active: id, keys }, { isExclusive: true });
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw error;
  }
}

/** A sortable, unique key id such as `kek-20250101T120000Z-1a2b3c4d`. */
function newKekId(): string {
  const stamp = new Date()
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d+/, "");
  return `kek-${stamp}-${randomBytes(4).toString("hex")}`;
}
