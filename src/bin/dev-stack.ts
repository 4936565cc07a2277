#!/usr/bin/env node
/**
 * `npm start`: the whole thing on one machine. Starts `secrets-server
 * --dev`, issues an agent token for the sample algorithm `demo/hello`
 * into the dev state folder, starts `secrets-agent` writing to a tmpfs
 * file, and prints what to try. Ctrl-C, SIGTERM or SIGHUP stops both.
 *
 * Only this program guesses settings for the agent (from the dev state
 * folder); the agent itself never does.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { Command } from "commander";
import { openAdmin } from "../cli/admin-client.js";
import { buildCliConfig } from "../cli/config.js";
import {
  DEV_SAMPLE,
  sampleWriteLine,
  secretsctlCommand,
  shellQuote,
} from "../server/dev/dev-guide.js";
import { DEV_STATE_DIR, statePaths } from "../shared/dev-state.js";
import { readSigningKey } from "../shared/key-files.js";
import { packageRoot } from "../shared/package-root.js";
import { writePrivateFile } from "../shared/private-file.js";
import { issueToken } from "../shared/tokens.js";
import {
  reportUsageErrorsOnOneLine,
  usageExitCode,
} from "../shared/usage-errors.js";

/** The sample algorithm of the walkthrough. */
const DEMO_ALGORITHM = DEV_SAMPLE.algorithm;

/** Agent tokens issued here last a day; rerun `npm start` for a new one. */
const DEMO_TOKEN_TTL_MS = 24 * 3_600_000;

/** How long each child may take to report that it listens, in ms. */
const START_TIMEOUT_MS = 20_000;

interface DevStackOptions {
  stateDir: string;
  listen: string;
  file: string;
  healthAddr: string;
}

function parseOptions(): DevStackOptions {
  const program = new Command("dev-stack")
    .description(
      "Runs secrets-server --dev and a secrets-agent for demo/hello.",
    )
    .option("--state-dir <path>", "dev state folder", DEV_STATE_DIR)
    .option("--listen <host:port>", "server address", "127.0.0.1:7443")
    .option(
      "--file <path>",
      "env file (tmpfs)",
      "/dev/shm/algorithm-secrets/secrets.env",
    )
    .option(
      "--health-addr <host:port>",
      "agent health address",
      "127.0.0.1:8099",
    );
  try {
    return reportUsageErrorsOnOneLine(program).parse().opts<DevStackOptions>();
  } catch (error) {
    // Commander has printed the one line (or the asked-for help).
    process.exit(usageExitCode(error) ?? 1);
  }
}

const binPath = (name: string) =>
  join(packageRoot(), "dist/src/bin", `${name}.js`);

/**
 * Spawns a bin and adds it to `children` at once, so a stop signal during
 * its start stops it too; its logs go to our stderr; resolves on `msg`
 * with `addr`.
 */
function startChild(
  name: string,
  args: string[],
  children: ChildProcess[],
): Promise<{ child: ChildProcess; addr: string }> {
  const child = spawn(process.execPath, [binPath(name), ...args], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  children.push(child);
  const wanted = name === "secrets-server" ? "listening" : "health listening";
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${name} did not start`)),
      START_TIMEOUT_MS,
    );
    let pending = "";
    child.stderr?.setEncoding("utf8").on("data", (text: string) => {
      process.stderr.write(text);
      pending += text;
      const lines = pending.split("\n");
      pending = lines.pop() ?? "";
      for (const line of lines) {
        const addr = addrOf(line, wanted);
        if (addr) {
          clearTimeout(timer);
          resolve({ child, addr });
        }
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited with ${code}`));
    });
  });
}

function addrOf(line: string, wanted: string): string | undefined {
  try {
    const parsed = JSON.parse(line) as { msg?: string; addr?: string };
    return parsed.msg === wanted ? parsed.addr : undefined;
  } catch {
    return undefined;
  }
}

async function writeDemoToken(stateDir: string): Promise<string> {
  const paths = statePaths(stateDir);
  const token = await issueToken({
    signingKey: readSigningKey(paths.tokenSigningKey, "token-signing-key"),
    identity: {
      kind: "agent",
      algorithm: DEMO_ALGORITHM,
      subject: "dev-stack",
    },
    ttlMs: DEMO_TOKEN_TTL_MS,
  });
  const tokenFile = join(paths.dir, "agent-demo-hello.token");
  // Replaced on every run, with mode 0600 even if an older file had more.
  writePrivateFile(tokenFile, `${token}\n`);
  return tokenFile;
}

/**
 * True when the sample secret exists already (a re-run on kept state), so
 * the line to try updates it instead of failing with ALREADY_EXISTS.
 * Asked of the server like any admin client would; when the question
 * fails, the first-run line is shown.
 */
async function isSampleStored(options: DevStackOptions, addr: string) {
  const config = buildCliConfig({ addr, stateDir: options.stateDir }, {});
  const admin = openAdmin(config);
  try {
    await admin.getSecret({
      algorithm: DEV_SAMPLE.algorithm,
      envName: DEV_SAMPLE.envName,
    });
    return true;
  } catch {
    return false;
  } finally {
    admin.close();
  }
}

interface TryLinesOptions {
  serverAddr: string;
  healthAddr: string;
  isSampleStored: boolean;
}

function printTryLines(options: DevStackOptions, lines: TryLinesOptions) {
  const { serverAddr, healthAddr } = lines;
  const ctl = secretsctlCommand({
    addr: serverAddr,
    stateDir: options.stateDir,
    isTls: true,
  });
  process.stdout.write(
    [
      "",
      `secrets-server (dev) on ${serverAddr}; secrets-agent for ${DEMO_ALGORITHM} writes ${options.file}`,
      "Try, in another terminal in this folder:",
      `  ${sampleWriteLine(ctl, lines.isSampleStored)}`,
      `  set -a; . ${shellQuote(options.file)}; set +a; echo "$${DEV_SAMPLE.envName}"`,
      `Agent health: curl -s http://${healthAddr}/status`,
      "Ctrl-C stops both.",
      "",
    ].join("\n"),
  );
}

/**
 * The signals that stop the stack: Ctrl-C (SIGINT), `kill` or a
 * supervisor (SIGTERM, which `npm start` forwards to us because its
 * script execs node), and a closed terminal (SIGHUP). Each stops both
 * children before dev-stack exits, so neither outlives it.
 */
const STOP_SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;

interface Stopper {
  /** Stops the children, newest first, then exits; later calls do nothing. */
  stop(exitCode: number): Promise<void>;
  isStopping(): boolean;
}

function childStopper(children: ChildProcess[]): Stopper {
  let isStopping = false;
  return {
    isStopping: () => isStopping,
    stop: async (exitCode) => {
      if (isStopping) return;
      isStopping = true;
      for (const child of [...children].reverse()) {
        if (child.exitCode === null && child.signalCode === null) {
          child.kill("SIGTERM");
          await new Promise((resolve) => child.once("exit", resolve));
        }
      }
      process.exit(exitCode);
    },
  };
}

async function main(): Promise<void> {
  const options = parseOptions();
  const children: ChildProcess[] = [];
  const stopper = childStopper(children);
  for (const signal of STOP_SIGNALS) {
    process.once(signal, () => void stopper.stop(0));
  }

  try {
    const server = await startChild(
      "secrets-server",
      ["--dev", "--state-dir", options.stateDir, "--listen", options.listen],
      children,
    );
    const tokenFile = await writeDemoToken(options.stateDir);
    mkdirSync(dirname(options.file), { recursive: true, mode: 0o750 });
    const agent = await startChild(
      "secrets-agent",
      agentArgs(options, { serverAddr: server.addr, tokenFile }),
      children,
    );
    for (const child of children) {
      child.once("exit", (code, signal) => {
        if (stopper.isStopping()) return;
        const how = code === null ? `signal ${signal}` : `code ${code}`;
        process.stderr.write(`dev-stack: a child exited (${how}); stopping\n`);
        void stopper.stop(1);
      });
    }
    printTryLines(options, {
      serverAddr: server.addr,
      healthAddr: agent.addr,
      isSampleStored: await isSampleStored(options, server.addr),
    });
  } catch (error) {
    process.stderr.write(`dev-stack: ${(error as Error).message}\n`);
    await stopper.stop(1);
  }
}

function agentArgs(
  options: DevStackOptions,
  server: { serverAddr: string; tokenFile: string },
): string[] {
  return [
    "--addr",
    server.serverAddr,
    "--token-file",
    server.tokenFile,
    "--ca-file",
    statePaths(options.stateDir).caCert,
    "--file",
    options.file,
    "--health-addr",
    options.healthAddr,
  ];
}

await main();
