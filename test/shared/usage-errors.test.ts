import { Command } from "commander";
import { describe, expect, it } from "vitest";
import {
  cleanError,
  reportUsageErrorsOnOneLine,
} from "../../src/shared/usage-errors.js";

const CANARY = "canary-usage-9d2f";

/** The one line a program prints for `argv`. */
function errorLineFor(argv: string[]): string {
  let line = "";
  const program = new Command("demo").option("--token-file <path>", "token");
  reportUsageErrorsOnOneLine(program, (text) => {
    line += text;
  });
  expect(() => program.parse(argv, { from: "user" })).toThrow();
  return line;
}

describe("cleanError", () => {
  describe("when an unknown option carries a value", () => {
    it.each([
      ["plain", `--token=${CANARY}`],
      ["with a quote", `--token=ab'${CANARY}`],
      ["ending in a quote", `--token=${CANARY}'`],
      ["with quotes and a newline", `--token='${CANARY}'\n'x`],
      ["after a quoted name", `--to'ken=${CANARY}`],
      ["after a short option", `-t=${CANARY}`],
    ])("prints none of it (%s)", (_situation, arg) => {
      const line = errorLineFor([arg]);
      expect(line).toContain("=…'");
      expect(line).not.toContain(CANARY);
      expect(line).not.toContain("ab'");
      expect(line.trim().split("\n")).toHaveLength(1);
    });
  });

  describe("when an unknown option has no value", () => {
    it("keeps the option as given", () => {
      expect(cleanError("error: unknown option '--bogus'")).toBe(
        "unknown option '--bogus'",
      );
    });
  });

  describe("when Commander adds a suggestion", () => {
    it("drops the value and keeps the suggestion", () => {
      const text = `error: unknown option '--tokn=a'${CANARY}'\n(Did you mean --token?)`;
      expect(cleanError(text)).toBe(
        "unknown option '--tokn=…' (Did you mean --token?)",
      );
    });
  });
});

describe("when a token is pasted where a flag or an argument goes", () => {
  const TOKEN = "eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl";

  it.each([
    ["a short option", ["-x", TOKEN]],
    ["a short option with its value attached", [`-x${TOKEN}`]],
    ["an argument the program does not take", [TOKEN]],
  ])("masks it (%s)", (_situation, argv) => {
    const line = errorLineFor(argv);
    expect(line).not.toContain("eyJ");
    expect(line.trim().split("\n")).toHaveLength(1);
  });
});
