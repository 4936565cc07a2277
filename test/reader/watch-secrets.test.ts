import { mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import {
  type CloseWatch,
  type SecretRecord,
  type SecretsError,
  watchSecrets,
} from "../../src/reader/index.js";
import { tmpfsDir } from "../helpers/tmpfs.js";

let writes = 0;

/** Writes like the agent: a temporary file renamed over the target. */
function replaceAtomically(path: string, text: string): void {
  writes += 1;
  const temporary = `${path}.tmp-${writes}`;
  writeFileSync(temporary, text);
  renameSync(temporary, path);
}

/** Collects callbacks and lets a test wait for the next one. */
function recorder<T>() {
  const seen: T[] = [];
  let waiting: ((value: T) => void) | undefined;
  return {
    seen,
    push: (value: T) => {
      seen.push(value);
      waiting?.(value);
      waiting = undefined;
    },
    next: () =>
      new Promise<T>((resolve, reject) => {
        waiting = resolve;
        setTimeout(() => reject(new Error("no callback within 5 s")), 5000);
      }),
  };
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Longer than the watch's second read after an event (150 ms) with room
 * to spare: a duplicate callback would have come by then.
 */
const QUIET_MS = 600;

/** Process warnings emitted while a test runs. */
function warningRecorder() {
  const seen: Error[] = [];
  const listener = (warning: Error) => seen.push(warning);
  process.on("warning", listener);
  return { seen, stop: () => process.off("warning", listener) };
}

let close: CloseWatch | undefined;

/** Starts a watch on `path` that records every change and error. */
async function watchRecording(path: string) {
  const changes = recorder<SecretRecord>();
  const errors = recorder<SecretsError>();
  close = await watchSecrets({
    path,
    onChange: changes.push,
    onError: errors.push,
  });
  return { changes, errors };
}
afterEach(async () => {
  await close?.();
  close = undefined;
});

describe("watchSecrets", () => {
  describe("when the agent replaces the file again and again", () => {
    it("delivers every new content after each rename", async () => {
      const path = join(tmpfsDir("as-reader-watch-"), "secrets.env");
      replaceAtomically(path, "export A='0'\n");
      const changes = recorder<SecretRecord>();
      close = await watchSecrets({ path, onChange: changes.push });
      expect(changes.seen.map((s) => s.A)).toEqual(["0"]);

      for (const round of ["1", "2", "3"]) {
        const next = changes.next();
        replaceAtomically(path, `export A='${round}'\n`);
        expect((await next).A).toBe(round);
      }
    });
  });

  describe("when renames come faster than file events", () => {
    it("still ends on the last content", async () => {
      const path = join(tmpfsDir("as-reader-burst-"), "secrets.env");
      replaceAtomically(path, "export A='0'\n");
      const changes = recorder<SecretRecord>();
      close = await watchSecrets({ path, onChange: changes.push });

      for (const round of ["1", "2", "3", "4"]) {
        replaceAtomically(path, `export A='${round}'\n`);
        await new Promise((settle) => setTimeout(settle, 20));
      }
      while (changes.seen.at(-1)?.A !== "4") await changes.next();
      expect(changes.seen.at(-1)?.A).toBe("4");
    });
  });

  describe("when a rewrite leaves the bytes the same", () => {
    it("does not call back", async () => {
      const path = join(tmpfsDir("as-reader-same-"), "secrets.env");
      replaceAtomically(path, "export A='same'\n");
      const changes = recorder<SecretRecord>();
      close = await watchSecrets({ path, onChange: changes.push });

      replaceAtomically(path, "export A='same'\n");
      const next = changes.next();
      replaceAtomically(path, "export A='other'\n");
      expect((await next).A).toBe("other");
      expect(changes.seen.map((s) => s.A)).toEqual(["same", "other"]);
    });
  });

  describe("when the file goes bad or away", () => {
    it("reports the error and recovers on the next good file", async () => {
      const path = join(tmpfsDir("as-reader-bad-"), "secrets.env");
      const { changes, errors } = await watchRecording(path);
      expect(errors.seen.map((e) => e.code)).toEqual(["NOT_FOUND"]);

      let nextError = errors.next();
      replaceAtomically(path, "A=not-ours\n");
      expect((await nextError).code).toBe("INVALID_ARGUMENT");

      const nextChange = changes.next();
      replaceAtomically(path, "export A='good'\n");
      expect((await nextChange).A).toBe("good");

      nextError = errors.next();
      rmSync(path);
      expect((await nextError).code).toBe("NOT_FOUND");
    });
  });

  describe("when a new content holds a reserved name", () => {
    afterEach(() => {
      delete process.env.AS_WATCH_A;
      delete process.env.LD_AS_WATCH;
    });

    it("reports FAILED_PRECONDITION and keeps process.env as it was", async () => {
      const path = join(tmpfsDir("as-reader-reserved-"), "secrets.env");
      replaceAtomically(path, "export AS_WATCH_A='1'\n");
      const errors = recorder<SecretsError>();
      close = await watchSecrets({
        path,
        intoProcessEnv: true,
        onChange: () => {},
        onError: errors.push,
      });
      expect(process.env.AS_WATCH_A).toBe("1");

      const nextError = errors.next();
      replaceAtomically(
        path,
        "export AS_WATCH_A='2'\nexport LD_AS_WATCH='x'\n",
      );
      const error = await nextError;
      expect(error.code).toBe("FAILED_PRECONDITION");
      expect(error.field).toBe("LD_AS_WATCH");
      expect(process.env.AS_WATCH_A).toBe("1");
      expect(process.env.LD_AS_WATCH).toBeUndefined();
    });
  });

  describe("when the file is deleted", () => {
    it("reports NOT_FOUND once per disappearance", async () => {
      const path = join(tmpfsDir("as-reader-gone-"), "secrets.env");
      replaceAtomically(path, "export A='1'\n");
      const { changes, errors } = await watchRecording(path);

      const nextError = errors.next();
      rmSync(path);
      expect((await nextError).code).toBe("NOT_FOUND");
      await pause(QUIET_MS);
      expect(errors.seen.map((e) => e.code)).toEqual(["NOT_FOUND"]);

      const nextChange = changes.next();
      replaceAtomically(path, "export A='2'\n");
      expect((await nextChange).A).toBe("2");
      const secondError = errors.next();
      rmSync(path);
      expect((await secondError).code).toBe("NOT_FOUND");
      await pause(QUIET_MS);
      expect(errors.seen.map((e) => e.code)).toEqual([
        "NOT_FOUND",
        "NOT_FOUND",
      ]);
    });
  });

  describe("when the file's folder does not exist yet", () => {
    it("reads the file once the folder and the file appear", async () => {
      const folder = join(tmpfsDir("as-reader-nodir-"), "later", "deeper");
      const path = join(folder, "secrets.env");
      const { changes, errors } = await watchRecording(path);
      expect(errors.seen.map((e) => e.code)).toEqual(["NOT_FOUND"]);

      const nextChange = changes.next();
      mkdirSync(folder, { recursive: true });
      await pause(50);
      replaceAtomically(path, "export A='late'\n");
      expect((await nextChange).A).toBe("late");

      const after = changes.next();
      replaceAtomically(path, "export A='later'\n");
      expect((await after).A).toBe("later");
      expect(errors.seen.map((e) => e.code)).toEqual(["NOT_FOUND"]);
    });

    it("watches a folder removed and made again", async () => {
      const folder = join(tmpfsDir("as-reader-redir-"), "run");
      const path = join(folder, "secrets.env");
      mkdirSync(folder);
      replaceAtomically(path, "export A='1'\n");
      const { changes, errors } = await watchRecording(path);

      const nextError = errors.next();
      rmSync(folder, { recursive: true });
      expect((await nextError).code).toBe("NOT_FOUND");

      const nextChange = changes.next();
      mkdirSync(folder);
      replaceAtomically(path, "export A='2'\n");
      expect((await nextChange).A).toBe("2");
      const after = changes.next();
      replaceAtomically(path, "export A='3'\n");
      expect((await after).A).toBe("3");
    });
  });

  describe("when onChange throws", () => {
    it("reports INTERNAL for onChange once and does not call it again", async () => {
      const path = join(tmpfsDir("as-reader-change-throws-"), "secrets.env");
      replaceAtomically(path, "export A='0'\n");
      const changes = recorder<SecretRecord>();
      const errors = recorder<SecretsError>();
      close = await watchSecrets({
        path,
        onChange: (secrets) => {
          changes.push(secrets);
          throw new Error("the algorithm's own bug");
        },
        onError: errors.push,
      });
      expect(errors.seen.map((e) => [e.code, e.field])).toEqual([
        ["INTERNAL", "onChange"],
      ]);

      const nextChange = changes.next();
      replaceAtomically(path, "export A='1'\n");
      expect((await nextChange).A).toBe("1");
      await pause(QUIET_MS);
      expect(changes.seen.map((s) => s.A)).toEqual(["0", "1"]);
      expect(errors.seen.map((e) => [e.code, e.field])).toEqual([
        ["INTERNAL", "onChange"],
        ["INTERNAL", "onChange"],
      ]);
    });

    it("emits a process warning when there is no onError", async () => {
      const warnings = warningRecorder();
      try {
        const path = join(tmpfsDir("as-reader-change-warn-"), "secrets.env");
        replaceAtomically(path, "export A='0'\n");
        close = await watchSecrets({
          path,
          onChange: () => {
            throw new Error("the algorithm's own bug");
          },
        });
        await pause(50);
        expect(warnings.seen).toMatchObject([
          { code: "INTERNAL", field: "onChange" },
        ]);
      } finally {
        warnings.stop();
      }
    });
  });

  describe("when onError throws", () => {
    it("keeps watching and emits a process warning", async () => {
      const warnings = warningRecorder();
      try {
        const path = join(tmpfsDir("as-reader-error-throws-"), "secrets.env");
        const changes = recorder<SecretRecord>();
        close = await watchSecrets({
          path,
          onChange: changes.push,
          onError: () => {
            throw new Error("the algorithm's own bug");
          },
        });

        const first = changes.next();
        replaceAtomically(path, "export A='1'\n");
        expect((await first).A).toBe("1");
        replaceAtomically(path, "not ours\n");
        await pause(QUIET_MS);
        const second = changes.next();
        replaceAtomically(path, "export A='2'\n");
        expect((await second).A).toBe("2");
        expect(warnings.seen).toMatchObject([
          { code: "INTERNAL", field: "onError" },
          { code: "INTERNAL", field: "onError" },
        ]);
      } finally {
        warnings.stop();
      }
    });
  });
});
