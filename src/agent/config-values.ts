/**
 * Parsers for single agent settings: paths, durations, addresses, file
 * modes, signals and groups. Each error names the setting.
 */
import { readFileSync } from "node:fs";
import { constants as osConstants } from "node:os";
import { isAbsolute, resolve } from "node:path";
import { parseTimerMs } from "../shared/durations.js";
import { invalidArgument } from "../shared/errors.js";

export function absolute(path: string): string {
  return isAbsolute(path) ? path : resolve(path);
}

export function optionalPath(path: string | undefined): string | undefined {
  return path ? absolute(path) : undefined;
}

export function positiveDuration(name: string, text: string): number {
  const ms = parseTimerMs(text, name);
  if (ms <= 0) throw invalidArgument(name, "must be longer than zero");
  return ms;
}

/** A duration of at least `minMs`; the error names the setting and floor. */
export function durationAtLeast(
  name: string,
  text: string,
  minMs: number,
): number {
  const ms = parseTimerMs(text, name);
  if (ms < minMs) {
    throw invalidArgument(name, `"${text}" is shorter than ${minMs}ms`);
  }
  return ms;
}

export function splitHostPort(addr: string): { host: string; port: number } {
  const at = addr.lastIndexOf(":");
  const host = addr.slice(0, at).replace(/^\[(.*)\]$/, "$1");
  const port = Number(addr.slice(at + 1));
  if (port > 65_535) throw invalidArgument("health-addr", "port out of range");
  return { host, port };
}

export function parseMode(text: string): number {
  if (!/^0?[0-7]{3}$/.test(text)) {
    throw invalidArgument(
      "file-mode",
      `"${text}" is not an octal mode such as 0440`,
    );
  }
  const mode = Number.parseInt(text, 8);
  if (mode & 0o007) {
    throw invalidArgument("file-mode", "must not give access to others");
  }
  return mode;
}

export function parseSignal(
  text: string | undefined,
  pidfile: string | undefined,
): NodeJS.Signals | undefined {
  if (!text) return pidfile ? "SIGHUP" : undefined;
  const name = (text.startsWith("SIG") ? text : `SIG${text}`).toUpperCase();
  if (!(name in osConstants.signals)) {
    throw invalidArgument("reload-signal", `"${text}" is not a signal name`);
  }
  if (!pidfile) {
    throw invalidArgument("reload-signal", "needs --reload-pidfile");
  }
  return name as NodeJS.Signals;
}

/** A group id from a number or a name in /etc/group. */
export function parseGroup(text: string | undefined): number | undefined {
  if (!text) return undefined;
  if (/^\d+$/.test(text)) return Number(text);
  let groups = "";
  try {
    groups = readFileSync("/etc/group", "utf8");
  } catch {
    // Fall through to "unknown group" below.
  }
  for (const line of groups.split("\n")) {
    const [name, , gid] = line.split(":");
    if (name === text && gid && /^\d+$/.test(gid)) return Number(gid);
  }
  throw invalidArgument("file-group", `no group named "${text}"`);
}
