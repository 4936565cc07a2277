/**
 * Scratch folders on tmpfs (`/dev/shm`), as the standards ask for real
 * files on tmpfs, removed after the test file finishes.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll } from "vitest";

/** A fresh folder under /dev/shm, removed when the test file ends. */
export function tmpfsDir(prefix = "as-test-"): string {
  const dir = mkdtempSync(join("/dev/shm", prefix));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
