/**
 * `secrets-server rotate-kek` against a real store: the rotation lock
 * keeps concurrent rotations from losing a key (run `npm run build`
 * first; the concurrent cases spawn the built binary).
 */
import { spawn } from "node:child_process";
import { chmodSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Keyring } from "../../src/server/crypto/keyring.js";
import { rotateKek } from "../../src/server/rotate-kek.js";
import { lockKekRotation } from "../../src/server/rotation-lock.js";
import { SecretStore } from "../../src/server/store/secret-store.js";
import { type StatePaths, statePaths } from "../../src/shared/dev-state.js";
import type { SecretsError } from "../../src/shared/errors.js";
import { Redacted } from "../../src/shared/redacted.js";
import { serverBinPath } from "../helpers/server-process.js";
import { tmpfsDir } from "../helpers/tmpfs.js";

const ALG = "demo/rotate";
const CANARY = "canary-rotate-3e9a";
const SECRET_COUNT = 5;

/** A state folder with a KEK and {@link SECRET_COUNT} secrets. */
function seededState(prefix: string) {
  const paths = statePaths(tmpfsDir(prefix));
  const options = { kekFile: paths.kekFile, databasePath: paths.database };
  const keyring = Keyring.openOrCreate(paths.kekFile);
  const store = new SecretStore({ databasePath: paths.database, keyring });
  for (let i = 0; i < SECRET_COUNT; i++) {
    store.create({
      algorithm: ALG,
      envName: `S_${i}`,
      displayName: `S_${i}`,
      description: "",
      value: new Redacted(Buffer.from(`${CANARY}-${i}`)),
    });
  }
  store.close();
  return { ...paths, options };
}

/** Every value, read back with a fresh keyring; and the count per KEK. */
function readBack(paths: StatePaths) {
  const keyring = Keyring.open(paths.kekFile);
  const store = new SecretStore({ databasePath: paths.database, keyring });
  try {
    const values = store.snapshot(ALG).secrets.map((s) => `${s.value}`);
    return { values, byKek: store.countByKek(), active: keyring.active().id };
  } finally {
    store.close();
  }
}

const expectedValues = () =>
  Array.from({ length: SECRET_COUNT }, (_, i) => `${CANARY}-${i}`);

const keyIdsIn = (kekFile: string) =>
  Object.keys(JSON.parse(readFileSync(kekFile, "utf8")).keys).sort();

/** Runs `secrets-server rotate-kek`; resolves with its exit code. */
function spawnRotation(stateDir: string) {
  const child = spawn(
    process.execPath,
    [serverBinPath(), "rotate-kek", "--state-dir", stateDir],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) =>
    child.once("exit", resolve),
  );
  return { child, exited, output: () => output };
}

describe("rotateKek", () => {
  describe("when nothing else rotates", () => {
    const paths = seededState("as-rotate-one-");
    const before = keyIdsIn(paths.kekFile);
    const report = rotateKek(paths.options);

    it("adds a key, keeps the old one and re-wraps every data key", () => {
      expect(keyIdsIn(paths.kekFile)).toEqual(
        [...before, report.activeKekId].sort(),
      );
      expect(report.rewrapped).toBe(SECRET_COUNT);
      const after = readBack(paths);
      expect(after.values).toEqual(expectedValues());
      expect(after.byKek).toEqual({ [report.activeKekId]: SECRET_COUNT });
    });

    it("leaves the KEK file 0600 and no temporary file", () => {
      expect(statSync(paths.kekFile).mode & 0o777).toBe(0o600);
      expect(readdirSync(paths.dir).filter((n) => n.endsWith(".tmp"))).toEqual(
        [],
      );
    });
  });

  describe("when another rotation holds the lock", () => {
    const paths = seededState("as-rotate-held-");

    it("gives up after the wait with FAILED_PRECONDITION, changing nothing", () => {
      const before = readFileSync(paths.kekFile, "utf8");
      const lock = lockKekRotation(paths.kekFile);
      let caught: unknown;
      try {
        rotateKek({ ...paths.options, lockWaitMs: 100 });
      } catch (error) {
        caught = error;
      } finally {
        lock.release();
      }
      expect((caught as SecretsError).code).toBe("FAILED_PRECONDITION");
      expect(readFileSync(paths.kekFile, "utf8")).toBe(before);
    });

    it("rotates once the lock is free", () => {
      const report = rotateKek({ ...paths.options, lockWaitMs: 100 });
      expect(report.rewrapped).toBe(SECRET_COUNT);
    });
  });

  describe("when rotate-kek starts while this process rotates", () => {
    const paths = seededState("as-rotate-wait-");

    it("waits for the lock, then adds its key to this rotation's", async () => {
      const lock = lockKekRotation(paths.kekFile);
      const rotation = spawnRotation(paths.dir);
      let isReleased = false;
      try {
        // Long enough for the child to start and reach the lock.
        await new Promise((resolve) => setTimeout(resolve, 1_500));
        expect(rotation.child.exitCode).toBeNull();
        // What a rotation in this process writes while holding the lock.
        const ours = Keyring.open(paths.kekFile).rotate();
        lock.release();
        isReleased = true;
        expect(await rotation.exited).toBe(0);
        expect(keyIdsIn(paths.kekFile)).toContain(ours);
        expect(keyIdsIn(paths.kekFile)).toHaveLength(3);
      } finally {
        if (!isReleased) lock.release();
        rotation.child.kill("SIGKILL");
      }
      expect(readBack(paths).values).toEqual(expectedValues());
    });
  });

  describe("when several rotate-kek run at once", () => {
    const paths = seededState("as-rotate-many-");
    const runs = 4;

    it("keeps every key and every value readable", async () => {
      const rotations = Array.from({ length: runs }, () =>
        spawnRotation(paths.dir),
      );
      const codes = await Promise.all(rotations.map((r) => r.exited));
      expect(codes).toEqual(Array(runs).fill(0));
      for (const rotation of rotations) {
        expect(rotation.output()).not.toContain(CANARY);
      }
      expect(keyIdsIn(paths.kekFile)).toHaveLength(1 + runs);
      const after = readBack(paths);
      expect(after.values).toEqual(expectedValues());
      expect(after.byKek).toEqual({ [after.active]: SECRET_COUNT });
    });
  });
});

describe("Keyring creation", () => {
  describe("when the file exists", () => {
    const dir = tmpfsDir("as-kek-exists-");
    const path = join(dir, "kek.json");
    const first = Keyring.create(path).active().id;
    const text = readFileSync(path, "utf8");

    it("openOrCreate opens it and never replaces it", () => {
      expect(Keyring.openOrCreate(path).active().id).toBe(first);
      expect(readFileSync(path, "utf8")).toBe(text);
      expect(readdirSync(dir)).toEqual(["kek.json"]);
    });

    it("create refuses with FAILED_PRECONDITION and keeps it", () => {
      let caught: unknown;
      try {
        Keyring.create(path);
      } catch (error) {
        caught = error;
      }
      expect((caught as SecretsError).code).toBe("FAILED_PRECONDITION");
      expect(readFileSync(path, "utf8")).toBe(text);
      expect(readdirSync(dir)).toEqual(["kek.json"]);
    });
  });

  describe("when a looser KEK file is rotated", () => {
    const dir = tmpfsDir("as-kek-loose-");
    const path = join(dir, "kek.json");
    Keyring.openOrCreate(path);
    chmodSync(path, 0o644);

    it("writes the new file with mode 0600", () => {
      Keyring.open(path).rotate();
      expect(statSync(path).mode & 0o777).toBe(0o600);
    });
  });
});
