/**
 * What the kernel says about a process: resident memory and CPU time,
 * read from /proc (Linux only, like the rest of the bench).
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";

/** Resident set size of `pid`, in bytes (VmRSS). */
export function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status);
  if (!match?.[1]) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(match[1]) * 1024;
}

/** User plus system CPU time of `pid` so far, in milliseconds. */
export function cpuTimeMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // The command name may hold spaces; fields are counted after its ")".
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return ((utime + stime) * 1000) / clockTicksPerSecond();
}

let ticks: number | undefined;

/** Kernel clock ticks per second (`getconf CLK_TCK`, usually 100). */
export function clockTicksPerSecond(): number {
  if (ticks !== undefined) return ticks;
  try {
    ticks = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }));
  } catch {
    ticks = 100;
  }
  if (!Number.isFinite(ticks) || ticks <= 0) ticks = 100;
  return ticks;
}

/** Bytes as MiB with one decimal. */
export function mib(bytes: number): number {
  return Math.round((bytes / 1024 / 1024) * 10) / 10;
}
