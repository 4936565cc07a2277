import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import {
  loadSecrets,
  loadSecretsSync,
  SecretsError,
} from "../../src/reader/index.js";
import { tmpfsDir } from "../helpers/tmpfs.js";

const dir = tmpfsDir("as-reader-load-");
/** Reserved by prefix, so a failing test sets nothing that matters. */
const RESERVED = ["LD_AS_TEST", "ld_as_test", "ALGORITHM_SECRETS_AS_TEST"];
const NAMES = ["AS_TEST_ONE", "AS_TEST_TWO", ...RESERVED];

afterEach(() => {
  for (const name of NAMES) delete process.env[name];
});

function writeSh(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe("loadSecrets", () => {
  describe("when the file exists", () => {
    it("returns the secrets without touching process.env by default", async () => {
      const path = writeSh("a.env", "export AS_TEST_ONE='1 '\n");
      const secrets = await loadSecrets({ path });
      expect(secrets.AS_TEST_ONE).toBe("1 ");
      expect(process.env.AS_TEST_ONE).toBeUndefined();
    });

    it("sets process.env and replaces what is there when asked", async () => {
      process.env.AS_TEST_ONE = "old";
      const path = writeSh("b.env", "export AS_TEST_ONE='new'\n");
      await loadSecrets({ path, intoProcessEnv: true });
      expect(process.env.AS_TEST_ONE).toBe("new");
    });

    it("keeps variables already set when override is false", () => {
      process.env.AS_TEST_ONE = "old";
      const path = writeSh(
        "c.json",
        '{"AS_TEST_ONE": "new", "AS_TEST_TWO": "two"}',
      );
      loadSecretsSync({ path, intoProcessEnv: true, override: false });
      expect(process.env.AS_TEST_ONE).toBe("old");
      expect(process.env.AS_TEST_TWO).toBe("two");
    });
  });

  describe.each(RESERVED)(
    "when the file holds the reserved name %s",
    (name) => {
      const sh = () =>
        writeSh(`${name}.env`, `export AS_TEST_ONE='1'\nexport ${name}='x'\n`);

      it("refuses with FAILED_PRECONDITION naming it, setting nothing", () => {
        let caught: unknown;
        try {
          loadSecretsSync({ path: sh(), intoProcessEnv: true });
        } catch (error) {
          caught = error;
        }
        expect((caught as SecretsError).code).toBe("FAILED_PRECONDITION");
        expect((caught as SecretsError).field).toBe(name);
        expect(process.env[name]).toBeUndefined();
        expect(process.env.AS_TEST_ONE).toBeUndefined();
      });

      it("refuses the json dialect the same way", async () => {
        const path = writeSh(`${name}.json`, `{"${name}": "x"}`);
        const error = await loadSecrets({ path, intoProcessEnv: true }).catch(
          (caught: unknown) => caught,
        );
        expect((error as SecretsError).code).toBe("FAILED_PRECONDITION");
        expect(process.env[name]).toBeUndefined();
      });

      it("still returns it in the record when process.env is left alone", () => {
        expect(loadSecretsSync({ path: sh() })[name]).toBe("x");
      });
    },
  );

  describe("when the file is missing", () => {
    it("fails with NOT_FOUND", async () => {
      const error = await loadSecrets({ path: join(dir, "none") }).catch(
        (caught: unknown) => caught,
      );
      expect(error).toBeInstanceOf(SecretsError);
      expect((error as SecretsError).code).toBe("NOT_FOUND");
    });
  });

  describe("when the file is not UTF-8", () => {
    it("fails with INVALID_ARGUMENT", () => {
      const path = join(dir, "latin1.env");
      writeFileSync(path, Buffer.from([0x65, 0x78, 0xff, 0x0a]));
      expect(() => loadSecretsSync({ path })).toThrow(
        expect.objectContaining({ code: "INVALID_ARGUMENT" }),
      );
    });
  });
});
