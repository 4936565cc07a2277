import { describe, expect, it } from "vitest";
import { envBoolean } from "../../src/shared/check-setting.js";
import { SecretsError } from "../../src/shared/errors.js";

describe("envBoolean", () => {
  it("reads the same words for every program, in any case", () => {
    for (const word of ["1", "true", "YES", "On"]) {
      expect(envBoolean("SECRETS_X", word)).toBe(true);
    }
    for (const word of ["0", "false", "No", "OFF", "", undefined]) {
      expect(envBoolean("SECRETS_X", word)).toBe(false);
    }
  });

  it("refuses anything else as INVALID_ARGUMENT naming the variable", () => {
    let caught: unknown;
    try {
      envBoolean("SECRETS_X", "maybe");
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(SecretsError);
    expect(caught).toMatchObject({
      code: "INVALID_ARGUMENT",
      field: "SECRETS_X",
    });
  });
});
