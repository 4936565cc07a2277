/**
 * The operator's window into the agent, on plain `node:http`:
 * `/healthz` (alive), `/readyz` (a file has been written), `/status`
 * (JSON, names only) and `/metrics` (Prometheus text).
 */
import { createServer, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { SecretsError } from "../shared/errors.js";
import type { AgentMetrics } from "./agent-metrics.js";
import type { AgentStatus } from "./agent-status.js";

export interface HealthServerOptions {
  host: string;
  port: number;
  status: AgentStatus;
  metrics: AgentMetrics;
  /** False once the sync loop has died; `/healthz` then answers 503. */
  isAlive: () => boolean;
  now?: () => number;
}

export interface HealthServer {
  /** `host:port` actually bound (port 0 resolved). */
  addr: string;
  close(): Promise<void>;
}

export async function startHealthServer(
  options: HealthServerOptions,
): Promise<HealthServer> {
  const server = createServer((request, response) => {
    if (request.method !== "GET" && request.method !== "HEAD") {
      sendText(response, 405, "method not allowed\n");
      return;
    }
    const path = (request.url ?? "/").split("?")[0];
    void route(path ?? "/", response, options);
  });
  await listen(server, options);
  const address = server.address() as AddressInfo;
  const host =
    address.family === "IPv6" ? `[${address.address}]` : address.address;
  return {
    addr: `${host}:${address.port}`,
    close: () => closeServer(server),
  };
}

async function route(
  path: string,
  response: ServerResponse,
  options: HealthServerOptions,
): Promise<void> {
  const nowMs = (options.now ?? Date.now)();
  switch (path) {
    case "/healthz":
      if (options.isAlive()) sendText(response, 200, "ok\n");
      else sendText(response, 503, "sync loop stopped\n");
      return;
    case "/readyz":
      if (options.status.isReady) sendText(response, 200, "ready\n");
      else sendText(response, 503, "no snapshot written yet\n");
      return;
    case "/status":
      sendJson(response, options.status.toDocument(nowMs));
      return;
    case "/metrics": {
      const registry = options.metrics.registry;
      response.writeHead(200, { "content-type": registry.contentType });
      response.end(await registry.metrics());
      return;
    }
    default:
      sendText(response, 404, "not found\n");
  }
}

function sendText(response: ServerResponse, code: number, text: string): void {
  response.writeHead(code, { "content-type": "text/plain; charset=utf-8" });
  response.end(text);
}

function sendJson(response: ServerResponse, body: unknown): void {
  response.writeHead(200, { "content-type": "application/json" });
  response.end(`${JSON.stringify(body, null, 2)}\n`);
}

function listen(server: Server, options: HealthServerOptions): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", (error: NodeJS.ErrnoException) => {
      reject(
        new SecretsError(
          "FAILED_PRECONDITION",
          `health-addr: cannot listen on ${options.host}:${options.port} (${error.code ?? "failed"})`,
          { field: "health-addr", cause: error },
        ),
      );
    });
    server.listen(options.port, options.host, () => resolve());
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
