/**
 * Scratch folders on tmpfs (`/dev/shm`), as the standards ask for real
 * files on tmpfs. Every folder made through this module is removed when
 * the test file that made it finishes, wherever it was made (at module
 * level, in a hook or inside a test).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll } from "vitest";

const createdDirs: string[] = [];

// Registered once per test file, because vitest loads this module afresh
// for each file: a hook registered from inside `beforeAll` or `it` would
// belong to no suite and never run.
afterAll(() => {
  for (const dir of createdDirs.splice(0)) {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** A fresh folder under /dev/shm, removed when the test file ends. */
export function tmpfsDir(prefix = "as-test-"): string {
  const dir = mkdtempSync(join("/dev/shm", prefix));
  createdDirs.push(dir);
  return dir;
}
