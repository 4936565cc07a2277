/**
 * The package's root folder, found from this module's own location, so
 * that `proto/` is found the same way from `src/` under the test runner,
 * from `dist/src/` after a build, and from an installed package.
 */
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

let cachedRoot: string | undefined;

export function packageRoot(): string {
  if (cachedRoot) return cachedRoot;
  let folder = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(folder, "package.json"))) {
    const parent = dirname(folder);
    if (parent === folder) throw new Error("package.json not found");
    folder = parent;
  }
  cachedRoot = folder;
  return folder;
}

/** Absolute path of the folder holding the `.proto` files. */
export function protoRoot(): string {
  return join(packageRoot(), "proto");
}
