/**
 * The contract must serve peers that are not grpc-js. Python's grpcio
 * (Debian's python3-grpcio, with protoc-generated messages) calls both
 * services and the health service from the proto files alone.
 */
import { execFile } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { protoRoot } from "../../src/shared/package-root.js";
import {
  type ServerProcess,
  startServerProcess,
} from "../helpers/server-process.js";
import { tmpfsDir } from "../helpers/tmpfs.js";

const run = promisify(execFile);

/** Debian's interpreter: its packages are where grpcio and protobuf live. */
const DEBIAN_PYTHON = "/usr/bin/python3";

interface PeerReport {
  created: { env_name: string; version: number; revision: number };
  listed: string[];
  list_bytes_have_value: boolean;
  snapshot_revision: number;
  snapshot_value_matches: boolean;
  unchanged_kind: string;
  watch_first_kind: string;
  watch_value_matches: boolean;
  agent_on_admin: string;
  health: string;
}

describe("the contract", () => {
  describe("when called by Python grpcio", () => {
    let server: ServerProcess;
    let report: PeerReport;

    beforeAll(async () => {
      server = await startServerProcess();
      const scratch = tmpfsDir("as-peer-");
      const valueFile = join(scratch, "value");
      const agentTokenFile = join(scratch, "agent.token");
      writeFileSync(valueFile, "py-canary-\u{1F511}-'\"\n");
      writeFileSync(agentTokenFile, await server.issueAgentToken("py/peer"));

      const { stdout } = await run(
        DEBIAN_PYTHON,
        [
          join(import.meta.dirname, "python_peer.py"),
          protoRoot(),
          server.addr,
          server.paths.caCert,
          server.paths.adminToken,
          agentTokenFile,
        ],
        { env: { ...process.env, PEER_VALUE_FILE: valueFile } },
      );
      report = JSON.parse(stdout) as PeerReport;
    }, 60_000);

    afterAll(async () => {
      await server?.stop();
    });

    it("creates and lists through SecretAdmin without a value", () => {
      expect(report.created).toMatchObject({ env_name: "PEER_SECRET" });
      expect(report.created.version).toBe(1);
      expect(report.listed).toEqual(["PEER_SECRET"]);
      expect(report.list_bytes_have_value).toBe(false);
    });

    it("receives the exact value through GetSnapshot", () => {
      expect(report.snapshot_revision).toBe(report.created.revision);
      expect(report.snapshot_value_matches).toBe(true);
      expect(report.unchanged_kind).toBe("unchanged");
    });

    it("receives a snapshot first on WatchSnapshots", () => {
      expect(report.watch_first_kind).toBe("snapshot");
      expect(report.watch_value_matches).toBe(true);
    });

    it("is refused SecretAdmin with an agent token", () => {
      expect(report.agent_on_admin).toBe("PERMISSION_DENIED");
    });

    it("reads the standard health service", () => {
      expect(report.health).toBe("SERVING");
    });
  });
});
