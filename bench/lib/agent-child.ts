/**
 * The real `secrets-agent` binary as a child process, and a probe that
 * watches the env file's folder for a marker to appear in the file.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { type FSWatcher, readFileSync, watch } from "node:fs";
import { basename, delimiter, dirname } from "node:path";
import { binPath } from "./children.js";
import { nowMs } from "./stats.js";

export interface AgentChildOptions {
  addr: string;
  caFile: string;
  tokenFile: string;
  /** Env file path; its folder must exist (tmpfs). */
  file: string;
  /** `--debounce` value, for example "1s" or "0ms"; the agent's default when absent. */
  debounce?: string;
}

/**
 * Spawns the agent (logs at warn, health on a free port) the way users
 * run it: the bin itself, so its shebang's V8 flags (lite mode) are in
 * the footprint figures. The shebang finds `node` on PATH; this process's
 * own node comes first there, so the bench measures one Node version.
 */
export function spawnAgent(options: AgentChildOptions): ChildProcess {
  const args = [
    "--addr",
    options.addr,
    "--ca-file",
    options.caFile,
    "--token-file",
    options.tokenFile,
    "--file",
    options.file,
    "--health-addr",
    "127.0.0.1:0",
    "--log-level",
    "warn",
  ];
  if (options.debounce) args.push("--debounce", options.debounce);
  const path = [dirname(process.execPath), process.env.PATH].join(delimiter);
  return spawn(binPath("secrets-agent.js"), args, {
    env: { ...process.env, PATH: path },
    stdio: ["ignore", "ignore", "inherit"],
  });
}

/**
 * Watches a file's folder (fs.watch) and resolves `expect(marker)` with
 * the time the file first holds `marker`.
 */
export class FileProbe {
  readonly #file: string;
  readonly #watcher: FSWatcher;
  #pending: { marker: string; resolve: (atMs: number) => void } | undefined;

  constructor(file: string) {
    this.#file = file;
    const name = basename(file);
    this.#watcher = watch(dirname(file), (_event, changed) => {
      if (changed === name) this.#check();
    });
  }

  /** Time (nowMs) the file holds `marker`, or NaN after `timeoutMs`. */
  expect(marker: string, timeoutMs: number): Promise<number> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#pending = undefined;
        resolve(Number.NaN);
      }, timeoutMs);
      this.#pending = {
        marker,
        resolve: (atMs) => {
          clearTimeout(timer);
          resolve(atMs);
        },
      };
      this.#check();
    });
  }

  close(): void {
    this.#watcher.close();
  }

  #check(): void {
    const pending = this.#pending;
    if (!pending) return;
    const atMs = nowMs();
    let content: string;
    try {
      content = readFileSync(this.#file, "utf8");
    } catch {
      return;
    }
    if (!content.includes(pending.marker)) return;
    this.#pending = undefined;
    pending.resolve(atMs);
  }
}
