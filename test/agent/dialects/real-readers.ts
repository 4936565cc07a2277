/**
 * The real programs that read each dialect on this machine, each wrapped
 * as "file in, name → bytes out". Shells print every variable with
 * `printf '%s'` into a file of its own, so the bytes compared are the
 * bytes the shell holds, trailing line feeds included.
 */
import { execFile } from "node:child_process";
import { mkdirSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import { join } from "node:path";
import { parseEnv, promisify } from "node:util";
import dotenv from "dotenv";
import { loadSecrets } from "../../../src/reader/index.js";
import { packageRoot } from "../../../src/shared/package-root.js";

const run = promisify(execFile);

/** Reads `names` from the env file at `file`; values as UTF-8 bytes. */
export type RealReader = (
  file: string,
  names: readonly string[],
) => Promise<Map<string, Buffer>>;

/**
 * The command line that starts each shell on a `-c` script. Start-up files
 * stay off: bash reads ~/.bashrc when its stdin is a socket (as Node's
 * pipes are), and a test machine's rc files are not what an entrypoint
 * script sees.
 */
export const SHELLS: Readonly<Record<string, readonly string[]>> = {
  bash: ["bash", "--norc", "--noprofile", "-c"],
  dash: ["dash", "-c"],
  "busybox sh": ["busybox", "sh", "-c"],
  "zsh (sh emulation)": ["zsh", "--emulate", "sh", "-f", "-c"],
  mksh: ["mksh", "-c"],
};

/** Sources the file in `shell`, running in the file's folder. */
export function shellReader(argv: readonly string[]): RealReader {
  return async (file, names) => {
    const dir = join(file, "..");
    const outDir = join(dir, `out-${argv[0]}`);
    rmSync(outDir, { recursive: true, force: true });
    mkdirSync(outDir);
    const script = [
      `. '${file}'`,
      ...names.map((name) => `printf '%s' "$${name}" > '${outDir}/${name}'`),
    ].join("\n");
    const [command = "", ...args] = argv;
    await run(command, [...args, script], { cwd: dir, env: cleanEnv() });
    return new Map(
      names.map((name) => [name, readFileSync(join(outDir, name))]),
    );
  };
}

/** Node's built-in parser in this process. */
export const utilParseEnv: RealReader = async (file, names) =>
  pick(parseEnv(readFileSync(file, "utf8")), names);

/** The `dotenv` npm package in this process. */
export const dotenvPackage: RealReader = async (file, names) =>
  pick(dotenv.parse(readFileSync(file)), names);

/** `node --env-file=FILE` in a child. */
export const nodeEnvFileFlag: RealReader = (file, names) =>
  printedJson(process.execPath, [`--env-file=${file}`, "-e", printEnv(names)]);

/** `process.loadEnvFile(FILE)` in a child. */
export const nodeLoadEnvFile: RealReader = (file, names) =>
  printedJson(process.execPath, [
    "-e",
    `process.loadEnvFile(${JSON.stringify(file)});${printEnv(names)}`,
  ]);

/** Debian's python3-dotenv (`dotenv_values`, interpolation on). */
export const pythonDotenv: RealReader = (file) =>
  printedJson("/usr/bin/python3", [
    "-c",
    "import json,sys\nfrom dotenv import dotenv_values\n" +
      "print(json.dumps(dotenv_values(sys.argv[1])))",
    file,
  ]);

/**
 * The Python loader the README shows for the `sh` dialect, taken from the
 * README itself so that the documentation cannot drift from what works.
 */
export const readmePythonLoader: RealReader = (file) =>
  printedJson("/usr/bin/python3", [
    "-c",
    `${readmePythonBlock()}\nimport json, sys\nprint(json.dumps(load_secrets(sys.argv[1])))`,
    file,
  ]);

function readmePythonBlock(): string {
  const readme = readFileSync(join(packageRoot(), "README.md"), "utf8");
  const section = readme.slice(readme.indexOf("**Python.**"));
  const block = /```python\n([\s\S]*?)```/.exec(section)?.[1];
  if (!block) throw new Error("README has no Python loader block");
  // Keep the definitions; the lines that run at start and on SIGHUP read
  // the default path, which does not exist here.
  return block
    .replace(/^load_secrets\(\).*$/m, "")
    .replace(/^signal\..*$/m, "");
}

/** Python's json module. */
export const pythonJson: RealReader = (file) =>
  printedJson("/usr/bin/python3", [
    "-c",
    "import json,sys\nprint(json.dumps(json.load(open(sys.argv[1], encoding='utf-8'))))",
    file,
  ]);

/** `JSON.parse` in this process. */
export const nodeJsonParse: RealReader = async (file, names) =>
  pick(JSON.parse(readFileSync(file, "utf8")), names);

/** This package's reader. */
export const ourReader: RealReader = async (file, names) =>
  pick(await loadSecrets({ path: file }), names);

/**
 * `docker run --env-file FILE` from the real Docker CLI, against a stand-in
 * daemon on a unix socket that records the container's `Env` and refuses
 * to create it. The CLI parses the file itself, so what it sends is
 * exactly what a container would get.
 */
export const dockerRunEnvFile: RealReader = async (file, names) => {
  const dir = join(file, "..");
  const socket = join(dir, "docker.sock");
  let sentEnv: string[] | undefined;
  const server = createServer((request, response) => {
    // Decoded once at the end: a chunk boundary may split a character.
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      if (request.url?.endsWith("/_ping")) {
        response.writeHead(200, { "API-Version": "1.43" });
        response.end("OK");
        return;
      }
      if (request.url?.includes("/containers/create")) {
        sentEnv = JSON.parse(body).Env;
      }
      response.writeHead(500, { "Content-Type": "application/json" });
      response.end('{"message":"stand-in daemon"}');
    });
  });

  await new Promise<void>((ready) => server.listen(socket, ready));
  try {
    const dockerEnv = { DOCKER_HOST: `unix://${socket}`, DOCKER_CONFIG: dir };
    const args = ["run", "--rm", "--env-file", file, "stand-in:1"];
    // The stand-in refuses the container, so docker exits non-zero.
    await run("docker", args, { env: { ...cleanEnv(), ...dockerEnv } }).catch(
      () => undefined,
    );
  } finally {
    await new Promise((closed) => server.close(closed));
    rmSync(socket, { force: true });
  }
  if (sentEnv === undefined) {
    throw new Error("docker sent no container create request");
  }
  return pick(splitEnvEntries(sentEnv), names);
};

function splitEnvEntries(entries: readonly string[]): Record<string, string> {
  const parsed: Record<string, string> = {};
  for (const entry of entries) {
    const at = entry.indexOf("=");
    parsed[entry.slice(0, at)] = entry.slice(at + 1);
  }
  return parsed;
}

function printEnv(names: readonly string[]): string {
  return `process.stdout.write(JSON.stringify(Object.fromEntries(${JSON.stringify(names)}.map((n) => [n, process.env[n]]))))`;
}

async function printedJson(
  command: string,
  args: string[],
): Promise<Map<string, Buffer>> {
  const { stdout } = await run(command, args, {
    env: cleanEnv(),
    maxBuffer: 64 * 1024 * 1024,
  });
  const parsed = JSON.parse(stdout) as Record<string, string | null>;
  return pick(parsed, Object.keys(parsed));
}

function pick(
  parsed: Record<string, string | null | undefined>,
  names: readonly string[],
): Map<string, Buffer> {
  const picked = new Map<string, Buffer>();
  for (const name of names) {
    const value = parsed[name];
    if (typeof value === "string") picked.set(name, Buffer.from(value));
  }
  return picked;
}

// Only PATH and a UTF-8 locale: no ENV/BASH_ENV start-up files, no
// inherited variable that could shadow a secret's name.
function cleanEnv(): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, LANG: "C.UTF-8" };
}
