/**
 * Reserved names that reach the agent anyway (stored before the list
 * grew, or by an older server) are refused like a value the dialect
 * cannot carry: never written, in any dialect.
 */
import { describe, expect, it } from "vitest";
import { DIALECTS } from "../../../src/agent/dialects/index.js";
import { renderEnvFile } from "../../../src/agent/dialects/render-env-file.js";
import { SecretsError } from "../../../src/shared/errors.js";

const CANARY = "canary-reserved-61b0";

function render(dialect: string, envName: string, isSkipping: boolean) {
  return renderEnvFile({
    dialect: DIALECTS[dialect] ?? expect.fail(`no dialect ${dialect}`),
    algorithm: "acme/reserved",
    revision: 3,
    secrets: [
      { envName, value: `${CANARY}-${envName}` },
      { envName: "DB_PASSWORD", value: "fine" },
    ],
    isSkippingUnrepresentable: isSkipping,
  });
}

function errorOf(action: () => unknown): SecretsError | undefined {
  try {
    action();
    return undefined;
  } catch (error) {
    if (error instanceof SecretsError) return error;
    throw error;
  }
}

describe.each(Object.keys(DIALECTS))("the %s dialect", (dialect) => {
  describe.each([
    "LD_PRELOAD",
    "NODE_OPTIONS",
    "PATH",
    "path",
    "ALGORITHM_SECRETS_TOKEN",
  ])("given a secret named %s", (envName) => {
    it("refuses with FAILED_PRECONDITION naming the variable", () => {
      const error = errorOf(() => render(dialect, envName, false));
      expect(error?.code).toBe("FAILED_PRECONDITION");
      expect(error?.field).toBe(envName);
      expect(error?.message).not.toContain(CANARY);
    });

    it("with --skip-unrepresentable leaves it out and lists it", () => {
      const rendered = render(dialect, envName, true);
      expect(rendered.skippedNames).toEqual([envName]);
      expect(rendered.content).not.toContain(CANARY);
      expect(rendered.content).toContain("DB_PASSWORD");
    });
  });
});
