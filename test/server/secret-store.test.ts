import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { Keyring } from "../../src/server/crypto/keyring.js";
import { SecretStore } from "../../src/server/store/secret-store.js";
import { SecretsError } from "../../src/shared/errors.js";
import { Redacted } from "../../src/shared/redacted.js";
import { tmpfsDir } from "../helpers/tmpfs.js";

const ALG = "demo/hello";
const CANARY = "canary-store-5b9e1d";

function openStore(dir: string, name = "secrets.db") {
  const keyring = Keyring.openOrCreate(join(dir, "kek.json"));
  const commits: [string, number][] = [];
  const store = new SecretStore({
    databasePath: join(dir, name),
    keyring,
    onCommit: (algorithm, revision) => commits.push([algorithm, revision]),
  });
  return { store, keyring, commits };
}

function value(text: string | Buffer): Redacted<Buffer> {
  return new Redacted(Buffer.isBuffer(text) ? text : Buffer.from(text));
}

function create(store: SecretStore, envName: string, text: string | Buffer) {
  return store.create({
    algorithm: ALG,
    envName,
    displayName: envName,
    description: "",
    value: value(text),
  });
}

function errorOf(action: () => unknown): SecretsError | undefined {
  try {
    action();
  } catch (error) {
    if (error instanceof SecretsError) return error;
    throw error;
  }
  return undefined;
}

function codeOf(action: () => unknown): string | undefined {
  try {
    action();
  } catch (error) {
    return error instanceof SecretsError ? error.code : "not-secrets-error";
  }
  return undefined;
}

describe("SecretStore", () => {
  describe("when secrets are written", () => {
    const dir = tmpfsDir("as-store-");
    const { store, commits } = openStore(dir);
    create(store, "DB_PASSWORD", CANARY);
    create(store, "API_TOKEN", "tok\n");
    store.update({ algorithm: ALG, envName: "API_TOKEN", value: value("x") });

    it("bumps the revision on every write and reports each commit", () => {
      expect(store.revision(ALG)).toBe(3);
      expect(commits).toEqual([
        [ALG, 1],
        [ALG, 2],
        [ALG, 3],
      ]);
    });

    it("bumps the version on update", () => {
      expect(store.get(ALG, "API_TOKEN").version).toBe(2);
    });

    it("decrypts snapshots sorted by env name", () => {
      const snapshot = store.snapshot(ALG);
      expect(snapshot.secrets.map((s) => s.envName)).toEqual([
        "API_TOKEN",
        "DB_PASSWORD",
      ]);
      expect(snapshot.secrets[1]?.value.toString()).toBe(CANARY);
    });

    it("keeps the value out of the database files, WAL included", () => {
      const files = readdirSync(dir).filter((f) => f.startsWith("secrets.db"));
      expect(files).toContain("secrets.db-wal");
      for (const file of files) {
        const bytes = readFileSync(join(dir, file));
        expect(bytes.includes(Buffer.from(CANARY))).toBe(false);
      }
    });

    it("keeps the revision after the last secret is deleted", () => {
      store.delete(ALG, "API_TOKEN");
      store.delete(ALG, "DB_PASSWORD");
      expect(store.revision(ALG)).toBe(5);
      expect(store.snapshot(ALG).secrets).toEqual([]);
    });
  });

  describe("when a write is refused", () => {
    const dir = tmpfsDir("as-store-refuse-");
    const { store } = openStore(dir);
    create(store, "TAKEN", "v");
    const big = Buffer.alloc(65_000, "a");
    for (let i = 0; i < 16; i++) create(store, `BIG_${i}`, big);
    const before = { list: store.list(ALG), revision: store.revision(ALG) };

    const base = {
      algorithm: ALG,
      envName: "NEW_NAME",
      displayName: "New",
      description: "",
      value: value("ok"),
    };
    const cases: [string, Partial<typeof base>, string, string][] = [
      [
        "bad algorithm",
        { algorithm: "no-slash" },
        "INVALID_ARGUMENT",
        "algorithm",
      ],
      ["empty env name", { envName: "" }, "INVALID_ARGUMENT", "env_name"],
      ["bad env name", { envName: "1BAD" }, "INVALID_ARGUMENT", "env_name"],
      ["NUL in env name", { envName: "A\0B" }, "INVALID_ARGUMENT", "env_name"],
      [
        "reserved env name",
        { envName: "PATH" },
        "INVALID_ARGUMENT",
        "env_name",
      ],
      // Refused in any case: a shell or a platform that folds case must
      // not be handed a second PATH.
      [
        "reserved name in lower case",
        { envName: "path" },
        "INVALID_ARGUMENT",
        "env_name",
      ],
      ["LD_ prefix", { envName: "LD_PRELOAD" }, "INVALID_ARGUMENT", "env_name"],
      [
        "ld_ prefix in lower case",
        { envName: "ld_preload" },
        "INVALID_ARGUMENT",
        "env_name",
      ],
      [
        "DYLD_ prefix",
        { envName: "DYLD_INSERT_LIBRARIES" },
        "INVALID_ARGUMENT",
        "env_name",
      ],
      [
        "own prefix",
        { envName: "ALGORITHM_SECRETS_X" },
        "INVALID_ARGUMENT",
        "env_name",
      ],
      ["duplicate", { envName: "TAKEN" }, "ALREADY_EXISTS", "env_name"],
      ["NUL", { value: value("a\0b") }, "INVALID_ARGUMENT", "value"],
      [
        "invalid UTF-8",
        { value: value(Buffer.from([0xc3, 0x28])) },
        "INVALID_ARGUMENT",
        "value",
      ],
      [
        "oversize value",
        { value: value(Buffer.alloc(64 * 1024 + 1, "a")) },
        "INVALID_ARGUMENT",
        "value",
      ],
      ["oversize total", { value: value(big) }, "INVALID_ARGUMENT", "value"],
      [
        "empty display name",
        { displayName: " " },
        "INVALID_ARGUMENT",
        "display_name",
      ],
      [
        "control char",
        { description: "a\u0007" },
        "INVALID_ARGUMENT",
        "description",
      ],
    ];

    for (const [situation, change, code, field] of cases) {
      it(`refuses ${situation} with ${code} naming ${field}, changing nothing`, () => {
        const error = errorOf(() => store.create({ ...base, ...change }));
        expect(error?.code).toBe(code);
        expect(error?.field).toBe(field);
        expect(store.revision(ALG)).toBe(before.revision);
        expect(store.list(ALG)).toEqual(before.list);
      });
    }

    it("accepts exactly 64 KiB, the limit itself", () => {
      const dir = tmpfsDir("as-store-limit-");
      const { store: fresh } = openStore(dir);
      const record = create(fresh, "AT_LIMIT", Buffer.alloc(64 * 1024, "a"));
      expect(record.version).toBe(1);
      fresh.close();
    });

    it("refuses an update that breaks the total and changes nothing", () => {
      const update = () =>
        store.update({ algorithm: ALG, envName: "TAKEN", value: value(big) });
      expect(codeOf(update)).toBe("INVALID_ARGUMENT");
      expect(store.list(ALG)).toEqual(before.list);
    });

    it("refuses an update or delete of a missing secret with NOT_FOUND", () => {
      const update = () =>
        store.update({ algorithm: ALG, envName: "MISSING", value: value("") });
      expect(codeOf(update)).toBe("NOT_FOUND");
      expect(codeOf(() => store.delete(ALG, "MISSING"))).toBe("NOT_FOUND");
      expect(store.revision(ALG)).toBe(before.revision);
    });
  });

  describe("when a write fails inside its transaction", () => {
    const dir = tmpfsDir("as-store-midway-");
    const { store, commits } = openStore(dir);
    create(store, "KEPT", "v");
    const before = { list: store.list(ALG), revision: store.revision(ALG) };
    // The row is inserted first; the revision bump after it then fails.
    const raw = new Database(join(dir, "secrets.db"));
    raw.exec(`CREATE TRIGGER fail_bump BEFORE UPDATE ON algorithms
      BEGIN SELECT RAISE(ABORT, 'injected'); END`);
    raw.close();

    it("leaves no row, the revision unchanged and no commit told", () => {
      expect(codeOf(() => create(store, "NEW_ONE", "v"))).toBeDefined();
      const update = () =>
        store.update({ algorithm: ALG, envName: "KEPT", value: value("w") });
      expect(codeOf(update)).toBeDefined();
      expect(store.revision(ALG)).toBe(before.revision);
      expect(store.list(ALG)).toEqual(before.list);
      expect(store.snapshot(ALG).secrets.map((s) => `${s.value}`)).toEqual([
        "v",
      ]);
      expect(commits).toHaveLength(1);
    });
  });

  describe("when a stored ciphertext is tampered with", () => {
    const dir = tmpfsDir("as-store-tamper-");
    const { store } = openStore(dir);
    create(store, "DB_PASSWORD", CANARY);
    const raw = new Database(join(dir, "secrets.db"));
    const row = raw.prepare("SELECT sealed_value FROM secrets").get() as {
      sealed_value: Buffer;
    };
    row.sealed_value[20] = (row.sealed_value[20] ?? 0) ^ 0xff;
    raw.prepare("UPDATE secrets SET sealed_value = ?").run(row.sealed_value);
    raw.close();

    it("fails the snapshot with INTERNAL instead of returning garbage", () => {
      expect(codeOf(() => store.snapshot(ALG))).toBe("INTERNAL");
    });
  });

  describe("when the KEK is rotated and data keys re-wrapped", () => {
    const dir = tmpfsDir("as-store-rotate-");
    const { store, keyring } = openStore(dir);
    for (let i = 0; i < 3; i++) create(store, `S_${i}`, `${CANARY}-${i}`);
    const oldKek = keyring.active().id;
    const newKek = Keyring.open(keyring.path).rotate();

    it("reads every value before the re-wrap", () => {
      expect(store.snapshot(ALG).secrets).toHaveLength(3);
    });

    it("re-wraps every data key and reads every value after", () => {
      expect(store.rewrapAll()).toEqual({ rewrapped: 3, kekId: newKek });
      expect(store.countByKek()).toEqual({ [newKek]: 3 });
      expect(newKek).not.toBe(oldKek);
      const values = store.snapshot(ALG).secrets.map((s) => `${s.value}`);
      expect(values).toEqual([0, 1, 2].map((i) => `${CANARY}-${i}`));
    });
  });
});
