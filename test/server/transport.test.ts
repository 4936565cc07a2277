/**
 * The transport around the services: client certificates with
 * `--tls-client-ca`, the standard health service, and the warning an
 * `--insecure-plaintext` server logs at every start.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  type Client,
  credentials,
  makeClientConstructor,
  status,
} from "@grpc/grpc-js";
import { service as healthService } from "grpc-health-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN_SERVICE, DELIVERY_SERVICE } from "../../src/shared/contract.js";
import { runNodeBin, runSecretsctl } from "../cli/run-secretsctl.js";
import { agentBinPath } from "../e2e/agent-harness.js";
import {
  type ServerProcess,
  startServerProcess,
} from "../helpers/server-process.js";
import { tmpfsDir } from "../helpers/tmpfs.js";
import {
  type ClientCertificates,
  makeClientCertificates,
} from "./client-certificates.js";
import { type InProcessServer, startInProcess } from "./in-process-server.js";

const HealthClient = makeClientConstructor(healthService, "Health");

interface HealthOptions {
  addr: string;
  caPem?: Buffer;
  certificate?: { keyPem: string; certPem: string };
}

function healthClient(options: HealthOptions): Client {
  const tls = options.caPem
    ? credentials.createSsl(
        options.caPem,
        options.certificate ? Buffer.from(options.certificate.keyPem) : null,
        options.certificate ? Buffer.from(options.certificate.certPem) : null,
      )
    : credentials.createInsecure();
  // The dev certificate names localhost; the server listens on 127.0.0.1.
  const addr = options.addr.replace("127.0.0.1", "localhost");
  return new HealthClient(addr, tls);
}

/** The status `service` reports, or the gRPC code the check failed with. */
function check(client: Client, service: string): Promise<string | number> {
  const unary = client as unknown as {
    check(
      request: { service: string },
      options: { deadline: number },
      callback: (error: { code: number } | null, reply?: unknown) => void,
    ): void;
  };
  return new Promise((resolve) => {
    unary.check({ service }, { deadline: Date.now() + 5_000 }, (error, reply) =>
      resolve(error ? error.code : (reply as { status: string }).status),
    );
  });
}

describe("secrets-server transport", () => {
  describe("with --tls-client-ca", () => {
    let server: InProcessServer;
    let trusted: ClientCertificates;
    let foreign: ClientCertificates;
    const dir = tmpfsDir("as-mtls-");
    /** Files the shipped clients are given: CA, tokens, client pair. */
    const files = {
      ca: join(dir, "ca.crt"),
      adminToken: join(dir, "admin.token"),
      agentToken: join(dir, "agent.token"),
      cert: join(dir, "client.crt"),
      key: join(dir, "client.key"),
    };

    beforeAll(async () => {
      trusted = await makeClientCertificates("trusted-agent");
      foreign = await makeClientCertificates("foreign-agent");
      const clientCaFile = join(dir, "client-ca.crt");
      writeFileSync(clientCaFile, trusted.caCertPem);
      server = await startInProcess({ clientCaFile });
      writeFileSync(files.ca, server.caPem);
      writeFileSync(files.adminToken, server.adminToken);
      writeFileSync(
        files.agentToken,
        await server.issueAgentToken("demo/mtls"),
      );
      writeFileSync(files.cert, trusted.clientCertPem);
      writeFileSync(files.key, trusted.clientKeyPem, { mode: 0o600 });
    });

    afterAll(async () => {
      await server?.stop();
    });

    const checkWith = async (certificates?: ClientCertificates) => {
      const client = healthClient({
        addr: server.addr,
        caPem: server.caPem,
        certificate: certificates && {
          keyPem: certificates.clientKeyPem,
          certPem: certificates.clientCertPem,
        },
      });
      try {
        return await check(client, "");
      } finally {
        client.close();
      }
    };

    it("refuses a client without a certificate", async () => {
      // The handshake fails, so the call never reaches the server.
      expect(await checkWith()).toBe(status.UNAVAILABLE);
    });

    it("refuses a client whose certificate another CA signed", async () => {
      expect(await checkWith(foreign)).toBe(status.UNAVAILABLE);
    });

    it("serves a client with a certificate the CA signed", async () => {
      expect(await checkWith(trusted)).toBe("SERVING");
    });

    const listWith = (flags: string[]) =>
      runSecretsctl(
        [
          "--addr",
          server.addr,
          "--ca-file",
          files.ca,
          "--token-file",
          files.adminToken,
          ...flags,
          "list",
          "demo/mtls",
        ],
        { timeoutMs: 20_000 },
      );

    it("serves secretsctl given --client-cert and --client-key, and only then", async () => {
      const served = await listWith([
        "--client-cert",
        files.cert,
        "--client-key",
        files.key,
      ]);
      expect(served.stderr).toBe("");
      expect(served.code).toBe(0);
      const refused = await listWith([]);
      expect(refused.code).toBe(6);
      expect(refused.stderr).toContain("demands a client certificate");
      expect(refused.stderr).toContain("--client-cert");
      expect(refused.stderr).not.toContain("deps/openssl");
    });

    /** `secrets-agent --once` against this server, writing `file`. */
    const agentOnce = (file: string, flags: string[]) =>
      runNodeBin(
        agentBinPath(),
        [
          "--addr",
          server.addr,
          "--ca-file",
          files.ca,
          "--token-file",
          files.agentToken,
          "--file",
          file,
          "--health-addr",
          "127.0.0.1:0",
          "--once",
          ...flags,
        ],
        { timeoutMs: 30_000 },
      );

    it("has secrets-agent --once give up at once without a client certificate", async () => {
      const run = await agentOnce(join(dir, "no-client-cert.env"), []);
      // The default --once-timeout is 60 s: a run that waited it out would
      // have been killed at 30 s, with no exit code.
      expect(run.code).toBe(1);
      expect(run.stderr).toContain("demands a client certificate");
    });

    it("refuses an expired client certificate before dialling, naming client-cert", async () => {
      const expired = await makeClientCertificates("expired-agent", {
        notBefore: new Date(Date.now() - 2 * 86_400_000),
        notAfter: new Date(Date.now() - 86_400_000),
      });
      const cert = join(dir, "expired.crt");
      const key = join(dir, "expired.key");
      writeFileSync(cert, expired.clientCertPem);
      writeFileSync(key, expired.clientKeyPem, { mode: 0o600 });
      const run = await listWith(["--client-cert", cert, "--client-key", key]);
      expect(run.code).toBe(2);
      expect(run.stderr).toContain("client-cert:");
      expect(run.stderr).toContain("is valid only from");
    });

    it("refuses a client key that is not the certificate's, naming client-key", async () => {
      const otherKey = join(dir, "other.key");
      writeFileSync(otherKey, foreign.clientKeyPem);
      const run = await listWith([
        "--client-cert",
        files.cert,
        "--client-key",
        otherKey,
      ]);
      expect(run.code).toBe(2);
      expect(run.stderr).toContain("client-key:");
    });

    it("serves secrets-agent given --client-cert and --client-key", async () => {
      const file = join(dir, "mtls.env");
      const run = await agentOnce(file, [
        "--client-cert",
        files.cert,
        "--client-key",
        files.key,
        "--once-timeout",
        "10s",
      ]);
      expect(run.code).toBe(0);
      expect(readFileSync(file, "utf8")).toContain("algorithm=demo/mtls");
    });
  });

  describe("health service", () => {
    let server: InProcessServer;
    let client: Client;

    beforeAll(async () => {
      server = await startInProcess();
      client = healthClient({ addr: server.addr, caPem: server.caPem });
    });

    afterAll(async () => {
      client?.close();
      await server?.stop();
    });

    for (const name of ["", DELIVERY_SERVICE, ADMIN_SERVICE]) {
      it(`reports ${name || "the server"} SERVING without a token`, async () => {
        expect(await check(client, name)).toBe("SERVING");
      });
    }

    it("answers NOT_FOUND for a service it does not serve", async () => {
      expect(await check(client, "no.such.Service")).toBe(status.NOT_FOUND);
    });
  });

  describe("with --insecure-plaintext", () => {
    let server: ServerProcess;

    beforeAll(async () => {
      server = await startServerProcess({
        extraArgs: ["--insecure-plaintext"],
      });
    });

    afterAll(async () => {
      await server?.stop();
    });

    const warnings = () =>
      server
        .logs()
        .split("\n")
        .filter((line) => line.includes('"level":"warn"'))
        .filter((line) => line.includes("insecure plaintext"));

    it("logs a warning at start", () => {
      expect(warnings()).toHaveLength(1);
    });

    it("logs the warning again at every start", async () => {
      await server.restart();
      expect(warnings()).toHaveLength(2);
    });

    it("says so in the dev guide, with secretsctl lines that work", async () => {
      // The guide follows the "listening" line that the start awaited.
      await expect
        .poll(() => server.logs(), { timeout: 5_000 })
        .toMatch(/npx secretsctl .*--insecure-plaintext list demo\/hello/);
      expect(server.logs()).toContain("WITHOUT TLS");
    });

    it("serves without TLS", async () => {
      const client = healthClient({ addr: server.addr });
      expect(await check(client, "")).toBe("SERVING");
      client.close();
    });
  });
});
