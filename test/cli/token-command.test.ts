import { generateKeyPairSync } from "node:crypto";
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createToken } from "../../src/cli/token-command.js";
import { SecretsError } from "../../src/shared/errors.js";
import { Redacted } from "../../src/shared/redacted.js";
import { verifyToken } from "../../src/shared/tokens.js";
import { tmpfsDir } from "../helpers/tmpfs.js";

const dir = tmpfsDir("as-cli-token-");
const keys = generateKeyPairSync("ed25519");
const signingKeyFile = join(dir, "token-signing.key");
writeFileSync(
  signingKeyFile,
  keys.privateKey.export({ type: "pkcs8", format: "pem" }),
);

const base = {
  algorithms: ["demo/hello"],
  isAdmin: false,
  ttl: "1h",
  subject: "test",
  signingKeyFile,
};

async function codeOf(run: () => Promise<unknown>): Promise<string> {
  try {
    await run();
  } catch (error) {
    return error instanceof SecretsError ? error.code : "not a SecretsError";
  }
  return "no error";
}

describe("createToken", () => {
  describe("for an agent", () => {
    it("signs a token naming exactly that algorithm", async () => {
      const { output } = await createToken(base);
      const identity = await verifyToken(new Redacted(output), keys.publicKey);
      expect(identity).toMatchObject({
        kind: "agent",
        algorithm: "demo/hello",
      });
    });

    it("refuses two algorithms", async () => {
      const args = { ...base, algorithms: ["a/b", "c/d"] };
      expect(await codeOf(() => createToken(args))).toBe("INVALID_ARGUMENT");
    });

    it("refuses a malformed algorithm", async () => {
      const args = { ...base, algorithms: ["nope"] };
      expect(await codeOf(() => createToken(args))).toBe("INVALID_ARGUMENT");
    });
  });

  describe("for an admin", () => {
    it("maps --algorithm all to every algorithm", async () => {
      const args = { ...base, isAdmin: true, algorithms: ["all"] };
      const { output } = await createToken(args);
      const identity = await verifyToken(new Redacted(output), keys.publicKey);
      expect(identity).toMatchObject({ kind: "admin", algorithms: ["*"] });
    });

    it("keeps a list of algorithms", async () => {
      const args = { ...base, isAdmin: true, algorithms: ["a/b", "c/d"] };
      const { output } = await createToken(args);
      const identity = await verifyToken(new Redacted(output), keys.publicKey);
      expect(identity).toMatchObject({ algorithms: ["a/b", "c/d"] });
    });

    it("refuses all mixed with named algorithms", async () => {
      const args = { ...base, isAdmin: true, algorithms: ["a/b", "all"] };
      expect(await codeOf(() => createToken(args))).toBe("INVALID_ARGUMENT");
    });

    it("refuses a token with no algorithm", async () => {
      const args = { ...base, isAdmin: true, algorithms: [] };
      expect(await codeOf(() => createToken(args))).toBe("INVALID_ARGUMENT");
    });
  });

  describe("with --out", () => {
    it("writes the token with mode 0600 and prints no token", async () => {
      const outFile = join(dir, "agent.token");
      writeFileSync(outFile, "old", { mode: 0o644 });
      const { output } = await createToken({ ...base, outFile });
      const token = readFileSync(outFile, "utf8").trim();
      expect(statSync(outFile).mode & 0o777).toBe(0o600);
      expect(output).not.toContain(token);
      await verifyToken(new Redacted(token), keys.publicKey);
    });
  });

  describe("when settings are wrong", () => {
    it("refuses a ttl beyond a year", async () => {
      const args = { ...base, ttl: "400d" };
      expect(await codeOf(() => createToken(args))).toBe("INVALID_ARGUMENT");
    });

    it("says FAILED_PRECONDITION without a signing key", async () => {
      const args = { ...base, signingKeyFile: undefined };
      expect(await codeOf(() => createToken(args))).toBe("FAILED_PRECONDITION");
    });

    it("blames the command for a named signing key that is missing", async () => {
      const missing = join(dir, "missing.key");
      const found = { ...base, signingKeyFile: missing };
      const given = { ...found, isSigningKeyFileGiven: true };
      expect(await codeOf(() => createToken(found))).toBe(
        "FAILED_PRECONDITION",
      );
      expect(await codeOf(() => createToken(given))).toBe("INVALID_ARGUMENT");
    });

    it("says INVALID_ARGUMENT for an --out that cannot be written", async () => {
      const args = { ...base, outFile: join(dir, "no", "such", "t") };
      expect(await codeOf(() => createToken(args))).toBe("INVALID_ARGUMENT");
    });
  });
});
