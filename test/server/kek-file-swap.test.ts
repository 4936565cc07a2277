/**
 * A KEK file replaced by one that lacks keys the data is sealed under (a
 * wrong backup restored, another environment's file copied in): a running
 * server keeps the keys it loaded and goes on serving, and a server does
 * not start on it. Taking such a file would seal new values under a key
 * the right file, once put back, does not hold.
 */
import { generateKeyPairSync } from "node:crypto";
import { copyFileSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Keyring } from "../../src/server/crypto/keyring.js";
import { startServer } from "../../src/server/server.js";
import { SecretStore } from "../../src/server/store/secret-store.js";
import { statePaths } from "../../src/shared/dev-state.js";
import { Redacted } from "../../src/shared/redacted.js";
import { memoryLogger } from "../agent/memory-logger.js";
import { tmpfsDir } from "../helpers/tmpfs.js";

const ALG = "demo/kek-swap";

/** A state folder with one secret, and a second, unrelated KEK file. */
function stateWithForeignKekFile() {
  const paths = statePaths(tmpfsDir("as-kek-swap-"));
  const store = new SecretStore({
    databasePath: paths.database,
    keyring: Keyring.openOrCreate(paths.kekFile),
  });
  store.create({
    algorithm: ALG,
    envName: "API_KEY",
    displayName: "API key",
    description: "",
    value: new Redacted(Buffer.from("before-the-swap")),
  });
  store.close();
  const foreign = join(tmpfsDir("as-kek-foreign-"), "kek.json");
  Keyring.create(foreign);
  return { paths, foreign };
}

describe("a KEK file swapped for one that lacks keys in use", () => {
  it("is not taken by a running keyring, which says which ids it lacks", () => {
    const { paths, foreign } = stateWithForeignKekFile();
    const heard: Array<{ droppedKekIds?: string[] }> = [];
    const keyring = Keyring.open(paths.kekFile, (reload) => heard.push(reload));
    const store = new SecretStore({ databasePath: paths.database, keyring });
    const activeBefore = keyring.active().id;
    copyFileSync(foreign, paths.kekFile);
    // A different mtime, however fast the copy, so the change is seen.
    utimesSync(paths.kekFile, new Date(), new Date(Date.now() + 5_000));

    expect(keyring.active().id).toBe(activeBefore);
    expect(heard.at(-1)?.droppedKekIds).toEqual([activeBefore]);
    expect(`${store.snapshot(ALG).secrets[0]?.value}`).toBe("before-the-swap");
    store.close();
  });

  it("keeps a server from starting, naming kek-file", async () => {
    const { paths, foreign } = stateWithForeignKekFile();
    const { logger } = memoryLogger();
    const tokenKeyFile = join(tmpfsDir("as-kek-token-"), "token.pub");
    const { publicKey } = generateKeyPairSync("ed25519");
    writeFileSync(
      tokenKeyFile,
      publicKey.export({ type: "spki", format: "pem" }),
    );
    const start = startServer({
      listen: "127.0.0.1:0",
      databasePath: paths.database,
      kekFile: foreign,
      tokenKeyFile,
      tls: "plaintext",
      logger,
    });
    await expect(start).rejects.toMatchObject({
      code: "FAILED_PRECONDITION",
      field: "kek-file",
    });
  });
});
