import { describe, expect, it } from "vitest";
import { shDialect } from "../../src/agent/dialects/sh.js";
import {
  parseEnvFile,
  parseShEnvFile,
  SecretsError,
} from "../../src/reader/index.js";

const HEADER = { algorithm: "acme/parse", revision: 1, skippedNames: [] };

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
