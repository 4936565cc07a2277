/**
 * A file the user named (flag or environment twin) that cannot be used is
 * a usage error; the same trouble with a file found in the dev state
 * folder stays a setup failure. A CA file without a PEM certificate is
 * refused as such, before any connection.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openAdmin } from "../../src/cli/admin-client.js";
import { buildCliConfig } from "../../src/cli/config.js";
import { SecretsError } from "../../src/shared/errors.js";
import { tmpfsDir } from "../helpers/tmpfs.js";

function errorOf(action: () => unknown): SecretsError | undefined {
  try {
    const admin = action() as { close?: () => void };
    admin.close?.();
  } catch (error) {
    if (error instanceof SecretsError) return error;
    throw error;
  }
  return undefined;
}

/** A dev state folder holding a token and a CA file with this text. */
function stateDirWith(files: { token: string; ca: string }): string {
  const dir = tmpfsDir("as-cli-files-");
  writeFileSync(join(dir, "admin.token"), files.token);
  writeFileSync(join(dir, "ca.crt"), files.ca);
  return dir;
}

describe("openAdmin and the files its settings name", () => {
  describe("when the CA file holds no PEM certificate", () => {
    const dir = stateDirWith({
      token: "aaa.bbb.ccc\n",
      ca: "not a certificate\n",
    });

    it("refuses a found one as a setup failure naming ca-file", () => {
      const config = buildCliConfig({}, { SECRETS_STATE_DIR: dir });
      const error = errorOf(() => openAdmin(config));
      expect(error?.code).toBe("FAILED_PRECONDITION");
      expect(error?.field).toBe("ca-file");
    });

    it("refuses a named one as a usage error naming ca-file", () => {
      const env = { SECRETS_CA_FILE: join(dir, "ca.crt") };
      const config = buildCliConfig({ stateDir: dir }, env);
      const error = errorOf(() => openAdmin(config));
      expect(error?.code).toBe("INVALID_ARGUMENT");
      expect(error?.field).toBe("ca-file");
    });
  });

  describe("when the token file is empty", () => {
    const dir = stateDirWith({ token: "\n", ca: "" });

    it("refuses a found one as a setup failure naming token-file", () => {
      const config = buildCliConfig(
        { insecurePlaintext: true },
        { SECRETS_STATE_DIR: dir },
      );
      const error = errorOf(() => openAdmin(config));
      expect(error?.code).toBe("FAILED_PRECONDITION");
      expect(error?.field).toBe("token-file");
    });

    it("refuses a named one as a usage error naming token-file", () => {
      const config = buildCliConfig(
        { insecurePlaintext: true, tokenFile: join(dir, "admin.token") },
        {},
      );
      const error = errorOf(() => openAdmin(config));
      expect(error?.code).toBe("INVALID_ARGUMENT");
      expect(error?.field).toBe("token-file");
    });
  });
});
