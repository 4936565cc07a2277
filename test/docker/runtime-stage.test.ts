/**
 * No Docker engine runs here, so this test checks the Dockerfile the next
 * best way: it reads the runtime stage's COPY lines, lays out exactly
 * those paths in an empty folder (from this checkout's build, with
 * production modules only, as the build stage's `npm prune` leaves them),
 * and starts the programs from there.
 */
import { execFileSync, spawn, spawnSync } from "node:child_process";
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  symlinkSync,
} from "node:fs";
import { dirname, join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { tmpfsDir } from "../helpers/tmpfs.js";

const repo = join(import.meta.dirname, "..", "..");

interface CopyLine {
  source: string;
  target: string;
}

function runtimeCopies(dockerfile: string): CopyLine[] {
  const stages = dockerfile.split(/^FROM /m);
  const runtime = stages.find((stage) => / AS runtime\b/i.test(stage));
  if (!runtime) throw new Error("Dockerfile has no runtime stage");
  return [...runtime.matchAll(/^COPY --from=build (\S+) (\S+)$/gm)].map(
    (match) => ({ source: match[1] ?? "", target: match[2] ?? "" }),
  );
}

function productionModuleDirs(): string[] {
  const output = execFileSync(
    "npm",
    ["ls", "--omit=dev", "--all", "--parseable"],
    { cwd: repo, encoding: "utf8" },
  );
  return output
    .split("\n")
    .filter((line) => line.includes("node_modules"))
    .map((line) => relative(join(repo, "node_modules"), line));
}

/** Lays out what the build stage holds at `/app/<path>` under `image`. */
function copyFromBuildStage(path: string, image: string): void {
  const target = join(image, path);
  mkdirSync(dirname(target), { recursive: true });
  if (path === "node_modules") {
    for (const dir of productionModuleDirs()) {
      cpSync(join(repo, "node_modules", dir), join(target, dir), {
        recursive: true,
      });
    }
  } else if (path === "bin") {
    // The build stage links each package.json bin into /app/bin.
    mkdirSync(target, { recursive: true });
    const manifest = JSON.parse(
      readFileSync(join(repo, "package.json"), "utf8"),
    );
    for (const [program, script] of Object.entries(manifest.bin)) {
      symlinkSync(join("..", String(script)), join(target, program));
    }
  } else {
    cpSync(join(repo, path), target, { recursive: true });
  }
}

/** The runtime stage's ENTRYPOINT, in its JSON (exec) form. */
function runtimeEntrypoint(dockerfile: string): string[] {
  const runtime = dockerfile.slice(dockerfile.search(/ AS runtime\b/i));
  const line = [...runtime.matchAll(/^ENTRYPOINT (.*)$/gm)].at(-1)?.[1];
  if (!line) throw new Error("the runtime stage has no ENTRYPOINT");
  return JSON.parse(line) as string[];
}

/**
 * Lifts the soft core limit to the hard one first, so that the
 * entrypoint, not a host default of 0, is what turns core dumps off.
 */
const LIFT_CORE_LIMIT = 'ulimit -S -c "$(ulimit -H -c)" && exec "$@"';

/** The host's hard core limit, which no test can lift. */
const hostHardCoreLimit = execFileSync("sh", ["-c", "ulimit -H -c"], {
  encoding: "utf8",
}).trim();

/** Runs `argv` behind the entrypoint, as `docker run IMAGE argv` would. */
function runBehindEntrypoint(
  entrypoint: string[],
  argv: string[],
): { stdout: string; pid: number | undefined; status: number | null } {
  const command = ["-c", LIFT_CORE_LIMIT, "--", ...entrypoint, ...argv];
  const run = spawnSync("sh", command, { encoding: "utf8" });
  return { stdout: run.stdout, pid: run.pid, status: run.status };
}

/** Runs `program --help` through /app/bin, as the image's PATH does. */
function runHelp(image: string, program: string): string {
  for (const script of readdirSync(join(image, "dist/src/bin"))) {
    chmodSync(join(image, "dist/src/bin", script), 0o755);
  }
  return execFileSync(join(image, "bin", program), ["--help"], {
    cwd: image,
    encoding: "utf8",
  });
}

describe("Dockerfile runtime stage", () => {
  const dockerfile = readFileSync(join(repo, "Dockerfile"), "utf8");
  const image = tmpfsDir("as-image-");
  for (const { source } of runtimeCopies(dockerfile)) {
    copyFromBuildStage(relative("/app", source), image);
  }

  it("runs as a non-root user", () => {
    const users = [...dockerfile.matchAll(/^USER (\S+)$/gm)].map((m) => m[1]);
    expect(users.at(-1)).toBeDefined();
    expect(users.at(-1)).not.toBe("root");
    expect(users.at(-1)).not.toBe("0");
  });

  it("makes the folders the programs write to and gives them to that user", () => {
    const runtime = dockerfile.slice(dockerfile.search(/ AS runtime\b/i));
    const user = [...runtime.matchAll(/^USER (\S+)$/gm)].at(-1)?.[1];
    const run = [...runtime.matchAll(/^RUN ((?:.*\\\n)*.*)$/gm)]
      .map((match) => match[1])
      .join("\n");
    const stateDir = /"--state-dir", "([^"]+)"/.exec(runtime)?.[1];
    const envFileDir = "/run/algorithm-secrets";
    for (const dir of [stateDir, envFileDir]) {
      expect(run).toMatch(new RegExp(`mkdir -p [^&]*${dir}\\b`));
      expect(run).toMatch(new RegExp(`chown ${user}:${user} [^&]*${dir}\\b`));
    }
  });

  it("copies enough to print each program's help", () => {
    expect(runHelp(image, "secrets-server")).toContain("--listen");
    expect(runHelp(image, "secrets-agent")).toContain("--file");
    expect(runHelp(image, "secretsctl")).toContain("create");
  });

  describe("the entrypoint", () => {
    const entrypoint = runtimeEntrypoint(dockerfile);

    // With a hard limit of 0 on the host, core dumps are off with or
    // without the entrypoint, and this could not fail.
    it.skipIf(hostHardCoreLimit === "0")(
      "starts the program with core dumps off, soft and hard limit",
      () => {
        const run = runBehindEntrypoint(entrypoint, [
          "sh",
          "-c",
          "ulimit -S -c; ulimit -H -c",
        ]);
        expect(run.status).toBe(0);
        expect(run.stdout).toBe("0\n0\n");
      },
    );

    it("replaces itself with the program, which keeps its pid", () => {
      const run = runBehindEntrypoint(entrypoint, ["sh", "-c", "echo $$"]);
      expect(run.stdout.trim()).toBe(String(run.pid));
    });

    it("passes the program's arguments and exit code through", () => {
      const help = runBehindEntrypoint(entrypoint, [
        join(image, "bin", "secrets-agent"),
        "--help",
      ]);
      expect(help.stdout).toContain("--file");
      const failing = runBehindEntrypoint(entrypoint, ["sh", "-c", "exit 7"]);
      expect(failing.status).toBe(7);
    });
  });

  it("copies enough to start the server and serve", async () => {
    const stateDir = join(image, "state");
    const server = spawn(
      process.execPath,
      [
        join(image, "dist/src/bin/secrets-server.js"),
        "--dev",
        "--state-dir",
        stateDir,
        "--listen",
        "127.0.0.1:0",
      ],
      { cwd: image, stdio: ["ignore", "pipe", "pipe"] },
    );
    const listening = await new Promise<boolean>((resolve) => {
      let stderr = "";
      server.stderr.on("data", (chunk: Buffer) => {
        stderr += chunk.toString();
        if (stderr.includes('"listening"')) resolve(true);
      });
      server.on("exit", () => resolve(false));
    });
    server.kill("SIGTERM");
    expect(listening).toBe(true);
    expect(existsSync(join(stateDir, "secrets.db"))).toBe(true);
  });
});
