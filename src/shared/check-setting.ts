/**
 * Validation of one configuration setting against a valibot schema.
 *
 * valibot rather than a larger schema library because the agent loads
 * this module: valibot's modular functions add about 1 MiB to a process
 * where zod added about 7 MiB (measured, Node 20 in lite mode), and the
 * agent's idle footprint is one of the numbers users pick a sidecar by.
 */
import * as v from "valibot";
import { invalidArgument } from "./errors.js";

/**
 * `value` checked against `schema`; INVALID_ARGUMENT naming `setting`
 * (a flag, an environment variable or a file) with the first problem.
 */
export function checkSetting<TSchema extends v.GenericSchema>(
  setting: string,
  schema: TSchema,
  value: unknown,
): v.InferOutput<TSchema> {
  const parsed = v.safeParse(schema, value);
  if (parsed.success) return parsed.output;
  throw invalidArgument(setting, parsed.issues[0]?.message ?? "is not valid");
}

/** A schema accepting one of `options`, saying which when it refuses. */
export function oneOf<const TOption extends string>(
  options: readonly TOption[],
) {
  return v.picklist(options, `must be one of ${options.join(", ")}`);
}

/** HOST:PORT, with an IPv6 host in brackets and a port up to 65535. */
export const hostPortSchema = v.pipe(
  v.string(),
  v.regex(/^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$/, "must be host:port"),
  v.check(
    (addr) => Number(addr.slice(addr.lastIndexOf(":") + 1)) <= 65_535,
    "port must be at most 65535",
  ),
);

/**
 * An on/off setting's environment twin: 1, true, yes, on or 0, false,
 * no, off in any case; unset or empty is off. The same words for all
 * three programs, so one environment serves them all.
 */
export function envBoolean(name: string, text: string | undefined): boolean {
  if (text === undefined || text === "") return false;
  if (/^(1|true|yes|on)$/i.test(text)) return true;
  if (/^(0|false|no|off)$/i.test(text)) return false;
  throw invalidArgument(name, `"${text}" is not true or false`);
}

/** commander's key for a flag: `--state-dir` is `stateDir`. */
export function optionKey(flag: string): string {
  return flag.replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase());
}
