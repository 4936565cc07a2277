/** The dialects `--format` can name. */
import type { Dialect } from "./dialect.js";
import { dockerDialect } from "./docker.js";
import { dotenvDialect } from "./dotenv.js";
import { jsonDialect } from "./json.js";
import { shDialect } from "./sh.js";

export const DIALECTS: Readonly<Record<string, Dialect>> = Object.freeze({
  sh: shDialect,
  dotenv: dotenvDialect,
  docker: dockerDialect,
  json: jsonDialect,
});

export const DIALECT_NAMES = Object.keys(DIALECTS);
