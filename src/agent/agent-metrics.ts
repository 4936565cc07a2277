/**
 * The agent's Prometheus metrics, in a registry of its own so that nothing
 * else in the process (or a library) can add series to `/metrics`.
 */
import { Counter, Gauge, Registry } from "prom-client";

export interface AgentMetrics {
  registry: Registry;
  syncs: Counter<"source">;
  failures: Counter<"code">;
  reconnects: Counter;
  writes: Counter;
  restores: Counter;
  reloads: Counter<"result">;
  lastSuccessSeconds: Gauge;
  revision: Gauge;
}

export function createAgentMetrics(): AgentMetrics {
  const registry = new Registry();
  const registers = [registry];
  return {
    registry,
    syncs: new Counter({
      name: "secrets_agent_syncs_total",
      help: "Successful contacts with the service, by source (stream, refresh).",
      labelNames: ["source"],
      registers,
    }),
    failures: new Counter({
      name: "secrets_agent_failures_total",
      help: "Failed calls or streams, by error code.",
      labelNames: ["code"],
      registers,
    }),
    reconnects: new Counter({
      name: "secrets_agent_reconnects_total",
      help: "Watch stream resubscriptions after the first.",
      registers,
    }),
    writes: new Counter({
      name: "secrets_agent_writes_total",
      help: "Env file writes with new content.",
      registers,
    }),
    restores: new Counter({
      name: "secrets_agent_restores_total",
      help: "Env file restores after someone deleted or edited it.",
      registers,
    }),
    reloads: new Counter({
      name: "secrets_agent_reloads_total",
      help: "Reload notices sent to the algorithm, by result (ok, failed).",
      labelNames: ["result"],
      registers,
    }),
    lastSuccessSeconds: new Gauge({
      name: "secrets_agent_last_success_timestamp_seconds",
      help: "Unix time of the last successful contact with the service.",
      registers,
    }),
    revision: new Gauge({
      name: "secrets_agent_revision",
      help: "Revision of the snapshot in the env file.",
      registers,
    }),
  };
}
