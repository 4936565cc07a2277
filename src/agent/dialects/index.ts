/** The dialects `--format` can name. */
import type { Dialect } from "./dialect.js";
import { shDialect } from "./sh.js";

export const DIALECTS: Readonly<Record<string, Dialect>> = {
  sh: shDialect,
};

export const DIALECT_NAMES = Object.keys(DIALECTS);
