import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DIALECTS } from "../../src/agent/dialects/index.js";
import { renderEnvFile } from "../../src/agent/dialects/render-env-file.js";
import { shDialect } from "../../src/agent/dialects/sh.js";
import {
  loadSecrets,
  parseEnvFile,
  parseShEnvFile,
  SecretsError,
} from "../../src/reader/index.js";
import { tmpfsDir } from "../helpers/tmpfs.js";

const HEADER = {
  algorithm: "acme/parse",
  revision: 1,
  format: "sh",
  skippedNames: [],
};

/** What the agent writes in `format` for `secrets` (name to value). */
function agentFile(format: string, secrets: Record<string, string>): string {
  return renderEnvFile({
    dialect: DIALECTS[format] ?? expect.fail(`no dialect ${format}`),
    algorithm: "acme/parse",
    revision: 5,
    secrets: Object.entries(secrets).map(([envName, value]) => ({
      envName,
      value,
    })),
    isSkippingUnrepresentable: false,
  }).content;
}

function errorOf(run: () => unknown): SecretsError {
  try {
    run();
  } catch (error) {
    if (error instanceof SecretsError) return error;
    throw error;
  }
  return expect.fail("expected a SecretsError");
}

describe("parseShEnvFile", () => {
  describe("when the file is the agent's output", () => {
    it("reads quotes, line ends and empty values exactly", () => {
      const entries = [
        ["A", "it's"],
        ["B", "''\n'"],
        ["C", ""],
        ["D", "x\r\n"],
      ] as const;
      const parsed = parseShEnvFile(shDialect.renderFile(HEADER, entries));
      expect([...parsed]).toEqual(entries.map(([n, v]) => [n, v]));
    });
  });

  describe("when the file is anything else", () => {
    it.each([
      ["a shell line the writer never writes", "# c\nA=secret-x\n", 2],
      ["double quotes", '# c\n# d\nexport A="secret-x"\n', 3],
      ["an unclosed quote", "export A='secret-x\n", 1],
      ["text after the quote", "export A='secret-x' # c\n", 1],
      ["a missing last line end", "export A='secret-x'", 1],
      ["a blank line", "export A='a'\n\nexport B='b'\n", 2],
      ["a name set twice", "export A='a'\nexport A='secret-x'\n", 2],
    ])("refuses %s naming the line and not the value", (_case, text, line) => {
      const error = errorOf(() => parseShEnvFile(text));
      expect(error.code).toBe("INVALID_ARGUMENT");
      expect(error.field).toBe(`line ${line}`);
      expect(error.message).not.toContain("secret-x");
    });
  });
});

describe("parseEnvFile", () => {
  describe("without a format", () => {
    it("reads a JSON object as json", () => {
      const parsed = parseEnvFile('{"__proto__":"x","B":"#"}\n');
      expect([...parsed]).toEqual([
        ["__proto__", "x"],
        ["B", "#"],
      ]);
    });

    it("reads anything else as sh", () => {
      expect(parseEnvFile("export A='{'\n").get("A")).toBe("{");
    });
  });

  describe("when the JSON is not the agent's", () => {
    it.each([
      ["broken JSON", '{"A": "secret-x'],
      ["an array", '["secret-x"]'],
      ["a number value", '{"A": 1}'],
      ["a bad name", '{"A-B": "secret-x"}'],
    ])("refuses %s without quoting it", (_case, text) => {
      const error = errorOf(() => parseEnvFile(text, "json"));
      expect(error.code).toBe("INVALID_ARGUMENT");
      expect(error.message).not.toContain("secret-x");
      expect(String(error.cause ?? "")).not.toContain("secret-x");
    });
  });
});

describe("a file whose agent header names its format", () => {
  describe.each(["dotenv", "docker"])("when it is %s", (format) => {
    it.each([
      ["empty", {}],
      ["holding a secret", { A: "secret-x" }],
    ])("refuses it %s with INVALID_ARGUMENT", (_case, secrets) => {
      const text = agentFile(format, secrets);
      for (const parse of [
        () => parseEnvFile(text),
        () => parseEnvFile(text, "sh"),
        () => parseShEnvFile(text),
      ]) {
        const error = errorOf(parse);
        expect(error.code).toBe("INVALID_ARGUMENT");
        expect(error.field).toBe("file");
        expect(error.message).not.toContain("secret-x");
      }
    });

    it("refuses it from a real file, naming the format", async () => {
      const path = join(tmpfsDir("as-reader-format-"), "secrets.env");
      writeFileSync(path, agentFile(format, {}));
      const error = await loadSecrets({ path }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SecretsError);
      expect((error as SecretsError).code).toBe("INVALID_ARGUMENT");
      expect((error as SecretsError).message).toContain(format);
    });
  });

  describe("when it is sh", () => {
    it("reads it, empty or not", () => {
      expect([...parseEnvFile(agentFile("sh", {}))]).toEqual([]);
      expect(parseEnvFile(agentFile("sh", { A: "a" })).get("A")).toBe("a");
    });
  });

  describe("when an older agent wrote no format", () => {
    it("reads it as sh", () => {
      const text =
        "# Written by secrets-agent. Do not edit: changes are replaced.\n" +
        "# algorithm=acme/parse revision=5\nexport A='a'\n";
      expect(parseEnvFile(text).get("A")).toBe("a");
    });
  });
});
