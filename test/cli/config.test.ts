import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { buildCliConfig } from "../../src/cli/config.js";
import { SecretsError } from "../../src/shared/errors.js";
import { tmpfsDir } from "../helpers/tmpfs.js";

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    return error instanceof SecretsError ? error.code : "not a SecretsError";
  }
  return undefined;
}

describe("buildCliConfig", () => {
  const emptyDir = join(tmpfsDir("as-cli-config-"), "none");

  describe("when nothing is set", () => {
    it("uses the default address and a 10 s deadline", () => {
      const config = buildCliConfig({ stateDir: emptyDir }, {});
      expect(config.addr).toBe("127.0.0.1:7443");
      expect(config.timeoutMs).toBe(10_000);
      expect(config.isPlaintext).toBe(false);
    });

    it("has no token, CA or signing key when the state folder is empty", () => {
      const config = buildCliConfig({ stateDir: emptyDir }, {});
      expect(config.tokenFile).toBeUndefined();
      expect(config.caFile).toBeUndefined();
      expect(config.signingKeyFile).toBeUndefined();
    });

    it("is frozen", () => {
      const config = buildCliConfig({ stateDir: emptyDir }, {});
      expect(Object.isFrozen(config)).toBe(true);
    });
  });

  describe("when the dev state folder holds files", () => {
    const stateDir = tmpfsDir("as-cli-state-");
    for (const name of ["admin.token", "ca.crt", "token-signing.key"]) {
      writeFileSync(join(stateDir, name), "x");
    }

    it("falls back to its admin token, CA and signing key", () => {
      const config = buildCliConfig({}, { SECRETS_STATE_DIR: stateDir });
      expect(config.tokenFile).toBe(join(stateDir, "admin.token"));
      expect(config.caFile).toBe(join(stateDir, "ca.crt"));
      expect(config.signingKeyFile).toBe(join(stateDir, "token-signing.key"));
    });

    it("prefers files named by settings", () => {
      const config = buildCliConfig(
        { tokenFile: "/flag/token" },
        { SECRETS_STATE_DIR: stateDir, SECRETS_CA_FILE: "/env/ca.pem" },
      );
      expect(config.tokenFile).toBe("/flag/token");
      expect(config.caFile).toBe("/env/ca.pem");
      expect([...config.givenFiles].sort()).toEqual(["caFile", "tokenFile"]);
    });

    it("counts files found there as not given", () => {
      const config = buildCliConfig({}, { SECRETS_STATE_DIR: stateDir });
      expect(config.givenFiles.size).toBe(0);
    });

    it("trusts no CA file in plaintext mode", () => {
      const config = buildCliConfig(
        { insecurePlaintext: true },
        { SECRETS_STATE_DIR: stateDir },
      );
      expect(config.caFile).toBeUndefined();
      expect(config.isPlaintext).toBe(true);
    });
  });

  describe("when a flag and its environment twin disagree", () => {
    it("takes the flag", () => {
      const config = buildCliConfig(
        { addr: "flag.example:1", timeout: "2s", stateDir: emptyDir },
        { SECRETS_ADDR: "env.example:2", SECRETSCTL_TIMEOUT: "5s" },
      );
      expect(config.addr).toBe("flag.example:1");
      expect(config.timeoutMs).toBe(2000);
    });

    it("takes the environment when the flag is absent", () => {
      const config = buildCliConfig(
        { stateDir: emptyDir },
        { SECRETS_ADDR: "env.example:2", SECRETS_INSECURE_PLAINTEXT: "1" },
      );
      expect(config.addr).toBe("env.example:2");
      expect(config.isPlaintext).toBe(true);
    });
  });

  describe("when a setting is malformed", () => {
    it.each([
      [{ addr: "no-port" }, {}],
      [{ addr: "127.0.0.1:99999" }, {}],
      [{ timeout: "10" }, {}],
      [{ timeout: "0s" }, {}],
      [{ timeout: "99999999999h" }, {}],
      [{ tokenFile: "" }, {}],
      [{}, { SECRETS_ADDR: "host:port" }],
      [{}, { SECRETS_INSECURE_PLAINTEXT: "maybe" }],
    ])("refuses %o %o with INVALID_ARGUMENT", (flags, env) => {
      mkdirSync(emptyDir, { recursive: true });
      expect(
        codeOf(() => buildCliConfig({ stateDir: emptyDir, ...flags }, env)),
      ).toBe("INVALID_ARGUMENT");
    });

    it("names the flag in the refusal", () => {
      mkdirSync(emptyDir, { recursive: true });
      try {
        buildCliConfig({ stateDir: emptyDir, tokenFile: "" }, {});
        expect.unreachable();
      } catch (error) {
        expect((error as SecretsError).field).toBe("token-file");
      }
    });
  });
});
