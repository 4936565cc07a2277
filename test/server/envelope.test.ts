import { readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import {
  openValue,
  rewrapDek,
  sealValue,
} from "../../src/server/crypto/envelope.js";
import { Keyring } from "../../src/server/crypto/keyring.js";
import { SecretsError } from "../../src/shared/errors.js";
import { tmpfsDir } from "../helpers/tmpfs.js";

const dir = tmpfsDir("as-envelope-");
const binding = { algorithm: "demo/hello", envName: "DB_PASSWORD", version: 1 };
const canary = Buffer.from("canary-envelope-7f3a");

function codeOf(action: () => unknown): string | undefined {
  try {
    action();
  } catch (error) {
    return error instanceof SecretsError ? error.code : "not-secrets-error";
  }
  return undefined;
}

describe("envelope encryption", () => {
  describe("when a value is sealed", () => {
    const keyring = Keyring.openOrCreate(join(dir, "kek-a.json"));
    const sealed = sealValue(canary, binding, keyring);

    it("opens to the same bytes", () => {
      expect(openValue(sealed, binding, keyring)).toEqual(canary);
    });

    it("does not contain the plaintext", () => {
      expect(sealed.sealedValue.includes(canary)).toBe(false);
      expect(sealed.wrappedDek.includes(canary)).toBe(false);
    });

    it("writes the keyring file with mode 0600", () => {
      expect(statSync(keyring.path).mode & 0o777).toBe(0o600);
    });
  });

  describe("when the ciphertext is moved or tampered with", () => {
    const keyring = Keyring.openOrCreate(join(dir, "kek-b.json"));
    const sealed = sealValue(canary, binding, keyring);

    it("refuses another env name with INTERNAL", () => {
      const moved = { ...binding, envName: "OTHER" };
      expect(codeOf(() => openValue(sealed, moved, keyring))).toBe("INTERNAL");
    });

    it("refuses another version with INTERNAL", () => {
      const moved = { ...binding, version: 2 };
      expect(codeOf(() => openValue(sealed, moved, keyring))).toBe("INTERNAL");
    });

    it("refuses a flipped byte with INTERNAL", () => {
      const flipped = Buffer.from(sealed.sealedValue);
      flipped[flipped.length - 1] = (flipped.at(-1) ?? 0) ^ 1;
      const tampered = { ...sealed, sealedValue: flipped };
      expect(codeOf(() => openValue(tampered, binding, keyring))).toBe(
        "INTERNAL",
      );
    });
  });

  describe("when the KEK is rotated", () => {
    const path = join(dir, "kek-c.json");
    const keyring = Keyring.openOrCreate(path);
    const sealed = sealValue(canary, binding, keyring);
    const oldId = sealed.kekId;
    const newId = keyring.rotate();

    it("still opens values wrapped by the old key", () => {
      expect(openValue(sealed, binding, keyring)).toEqual(canary);
    });

    it("re-wraps under the new key", () => {
      const rewrapped = rewrapDek(sealed, binding, keyring);
      expect(rewrapped.kekId).toBe(newId);
      expect(newId).not.toBe(oldId);
      expect(openValue(rewrapped, binding, keyring)).toEqual(canary);
    });

    it("picks up a rotation made by another process", () => {
      const other = Keyring.open(path);
      const latest = other.rotate();
      const sealedByOther = sealValue(canary, binding, other);
      expect(sealedByOther.kekId).toBe(latest);
      expect(openValue(sealedByOther, binding, keyring)).toEqual(canary);
      expect(JSON.parse(readFileSync(path, "utf8")).active).toBe(latest);
    });
  });

  describe("when the KEK file holds a bare key instead of JSON", () => {
    const path = join(dir, "kek-bare.txt");
    const keyText = "S2V5TWF0ZXJpYWxUaGF0TXVzdE5vdExlYWs=";
    writeFileSync(path, keyText, { mode: 0o600 });

    it("refuses with FAILED_PRECONDITION and no key text in the error or its causes", () => {
      let caught: unknown;
      try {
        Keyring.open(path);
      } catch (error) {
        caught = error;
      }
      expect((caught as SecretsError).code).toBe("FAILED_PRECONDITION");
      const printed = inspect(caught, { depth: 10 });
      expect(printed).not.toContain(keyText.slice(0, 8));
    });
  });
});
