/**
 * Every dialect against every real reader it serves, on the corpus: each
 * value either reads back byte for byte or is refused naming the
 * variable. Never a silent difference.
 */
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { DIALECTS } from "../../../src/agent/dialects/index.js";
import { renderEnvFile } from "../../../src/agent/dialects/render-env-file.js";
import { SecretsError } from "../../../src/shared/errors.js";
import { tmpfsDir } from "../../helpers/tmpfs.js";
import { CORPUS, EXPECTED_REFUSALS, PWNED_FILES } from "./corpus.js";
import {
  dockerRunEnvFile,
  dotenvPackage,
  nodeEnvFileFlag,
  nodeJsonParse,
  nodeLoadEnvFile,
  ourReader,
  pythonDotenv,
  pythonJson,
  type RealReader,
  readmePythonLoader,
  SHELLS,
  shellReader,
  utilParseEnv,
} from "./real-readers.js";

/** Which readers each dialect promises to serve exactly. */
const READERS_BY_DIALECT: Record<string, Record<string, RealReader>> = {
  sh: {
    ...Object.fromEntries(
      Object.entries(SHELLS).map(([name, argv]) => [name, shellReader(argv)]),
    ),
    "algorithm-secrets/reader": ourReader,
    "README's Python loader": readmePythonLoader,
  },
  dotenv: {
    "util.parseEnv": utilParseEnv,
    "node --env-file": nodeEnvFileFlag,
    "process.loadEnvFile": nodeLoadEnvFile,
    "dotenv package": dotenvPackage,
    "python3-dotenv": pythonDotenv,
  },
  docker: { "docker run --env-file": dockerRunEnvFile },
  json: {
    "JSON.parse": nodeJsonParse,
    "python3 json": pythonJson,
    "algorithm-secrets/reader": ourReader,
  },
};

function render(dialect: string, names: readonly string[]) {
  return renderEnvFile({
    dialect: DIALECTS[dialect] ?? expect.fail(`no dialect ${dialect}`),
    algorithm: "acme/matrix",
    revision: 7,
    secrets: names.map((envName) => ({
      envName,
      value: CORPUS[envName] ?? "",
    })),
    isSkippingUnrepresentable: false,
  });
}

/** The error renderEnvFile throws for `name` alone, if any. */
function refusalOf(dialect: string, name: string): SecretsError | undefined {
  try {
    render(dialect, [name]);
    return undefined;
  } catch (error) {
    if (error instanceof SecretsError) return error;
    throw error;
  }
}

describe.each(Object.keys(READERS_BY_DIALECT))("the %s dialect", (dialect) => {
  const dir = tmpfsDir(`as-matrix-${dialect}-`);
  const file = join(dir, "secrets.env");
  const accepted: string[] = [];

  beforeAll(() => {
    for (const name of Object.keys(CORPUS)) {
      if (refusalOf(dialect, name) === undefined) accepted.push(name);
    }
    writeFileSync(file, render(dialect, accepted).content, { mode: 0o600 });
  });

  describe("when a value cannot be carried exactly", () => {
    it("refuses exactly the expected corpus values", () => {
      const refused = Object.keys(CORPUS).filter(
        (name) => !accepted.includes(name),
      );
      expect(refused.sort()).toEqual(EXPECTED_REFUSALS[dialect]);
    });

    it("names the variable with FAILED_PRECONDITION and never the value", () => {
      for (const name of EXPECTED_REFUSALS[dialect] ?? []) {
        const error = refusalOf(dialect, name);
        expect(error?.code).toBe("FAILED_PRECONDITION");
        expect(error?.field).toBe(name);
        const value = CORPUS[name] ?? "";
        if (value.length > 2) expect(error?.message).not.toContain(value);
      }
    });
  });

  describe.each(Object.entries(READERS_BY_DIALECT[dialect] ?? {}))(
    "read by %s",
    (_readerName, read) => {
      it("gets every accepted value back byte for byte", async () => {
        const values = await read(file, accepted);
        for (const name of accepted) {
          const expected = Buffer.from(CORPUS[name] ?? "").toString("hex");
          expect(values.get(name)?.toString("hex"), name).toBe(expected);
        }
      });

      it("runs nothing the file holds", () => {
        for (const pwned of PWNED_FILES) {
          expect(existsSync(join(dir, pwned)), pwned).toBe(false);
        }
      });
    },
  );
});
