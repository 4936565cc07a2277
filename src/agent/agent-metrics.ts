/**
 * The agent's Prometheus metrics, in a registry of its own so that nothing
 * else in the process (or a library) can add series to `/metrics`.
 */
import { Counter, Gauge, Registry } from "prom-client";

/** What the metrics read from the agent when scraped. */
export interface AgentMetricsSources {
  /** Whether the file holds the newest snapshot the service sent. */
  isFileCurrent: () => boolean;
}

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
  fileCurrent: Gauge;
}

export function createAgentMetrics(sources: AgentMetricsSources): AgentMetrics {
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
      help:
        "Failures by error code: calls and streams to the service, and env " +
        "file writes (a refused value or name, or a write error).",
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
      help:
        "Unix time of the last successful contact with the service; the " +
        "file may still be behind it (see secrets_agent_file_current).",
      registers,
    }),
    revision: new Gauge({
      name: "secrets_agent_revision",
      help:
        "Revision of the newest snapshot whose names and values the env " +
        "file holds (its header may name an earlier revision with the same " +
        "content).",
      registers,
    }),
    fileCurrent: new Gauge({
      name: "secrets_agent_file_current",
      help:
        "1 when the env file holds the newest snapshot the service sent, " +
        "0 while it is kept on an older one (a refused value or name, a " +
        "failed write) or none is written yet.",
      registers,
      // Read from the status at scrape time: no code path can forget it.
      collect() {
        this.set(sources.isFileCurrent() ? 1 : 0);
      },
    }),
  };
}
