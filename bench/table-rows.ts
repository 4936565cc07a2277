/**
 * The rows of the bench table, section by section, from the sections'
 * results. A row gets a floor only when the same run measured one for
 * that very figure; a figure with nothing comparable has a null floor
 * and so no ratio, rather than a ratio against something else.
 */
import type { FanoutResult } from "./fanout.js";
import type { FootprintResult } from "./footprint.js";
import { mib } from "./lib/proc.js";
import type { PropagationResult } from "./propagation.js";
import { makeRow, type Row } from "./report.js";
import type { UnaryResult } from "./unary.js";

/** What a bench run found; a section that failed or did not run is absent. */
export interface BenchResults {
  propagation?: PropagationResult;
  unary?: UnaryResult;
  footprint?: FootprintResult;
  fanout?: FanoutResult;
  /** Error message per section that failed. */
  errors: Record<string, string>;
}

/** Every row, in section order. */
export function buildRows(results: BenchResults): Row[] {
  const { propagation, fanout, unary, footprint } = results;
  return [
    ...(propagation ? propagationRows(propagation) : []),
    ...(fanout ? fanoutRows(fanout) : []),
    ...(unary ? unaryRows(unary) : []),
    ...(footprint ? footprintRows(footprint) : []),
    ...(fanout ? stormRows(fanout) : []),
  ];
}

/** A count as the README writes it: 10,000. */
function count(value: number): string {
  return value.toLocaleString("en-US");
}

function propagationRows(p: PropagationResult): Row[] {
  const rows: Row[] = [];
  for (const [debounce, series] of Object.entries(p.agent)) {
    const label =
      debounce === "default"
        ? "default --debounce (1s)"
        : `--debounce ${debounce}`;
    const unit = "ms";
    rows.push(
      makeRow({
        section: "1",
        figure: `propagation p50, ${label}`,
        measured: series.p50Ms,
        floor: p.floor.p50Ms,
        unit,
      }),
      makeRow({
        section: "1",
        figure: `propagation p99, ${label}`,
        measured: series.p99Ms,
        floor: p.floor.p99Ms,
        unit,
        target: "≤ 50 ms, ≤ 3× floor",
        isMet:
          series.p99Ms <= 50 &&
          series.p99Ms <= 3 * p.floor.p99Ms &&
          series.lost === 0,
      }),
      makeRow({
        section: "1",
        figure: `propagation max, ${label}`,
        measured: series.maxMs,
        floor: p.floor.maxMs,
        unit,
      }),
    );
  }
  return rows;
}

function fanoutRows(f: FanoutResult): Row[] {
  const streams = count(f.streams);
  return [
    makeRow({
      section: "2",
      figure: `server RSS, ${streams} idle streams`,
      measured: mib(f.serverRssIdleBytes),
      // The same server before any stream connected.
      floor: mib(f.serverRssBaseBytes),
      unit: "MiB",
      target: "≤ 1 GiB",
      isMet: f.serverRssIdleBytes <= 1024 ** 3,
    }),
    // No floor: the bench runs no bare equivalent of this load, and the
    // propagation floor (one idle stream, timed from the push) is not one.
    makeRow({
      section: "2",
      figure: `one algorithm's update p99 (${f.replicas} watchers)`,
      measured: f.single.p99Ms,
      floor: null,
      unit: "ms",
      target: "≤ 100 ms",
      isMet: f.single.p99Ms <= 100 && f.single.lost === 0,
    }),
    // No floor: the admin updates' own time (allAdminMs in the results)
    // is not one, as watchers hold most changes while later updates are
    // still being sent, so the two end together by construction.
    makeRow({
      section: "2",
      figure: `all ${streams} watchers hold ${count(f.algorithms)} changes`,
      measured: f.allUpdatedMs,
      floor: null,
      unit: "ms",
      target: "≤ 2 s",
      isMet: f.allUpdatedMs <= 2000,
    }),
    makeRow({
      section: "2",
      figure: `all ${streams} streams up, first start`,
      measured: f.setupMs,
      floor: f.connectFloorMs,
      unit: "ms",
    }),
  ];
}

function unaryRows(u: UnaryResult): Row[] {
  const inFlight = `${u.concurrency} in flight`;
  return [
    makeRow({
      section: "3",
      figure: `unary "unchanged" (${inFlight})`,
      measured: u.service.unchanged,
      floor: u.floor.unchanged,
      unit: "req/s",
      target: "≥ 0.70× floor",
      isMet: u.service.unchanged >= 0.7 * u.floor.unchanged,
    }),
    makeRow({
      section: "3",
      figure: `unary full snapshot (${inFlight})`,
      measured: u.service.snapshot,
      floor: u.floor.snapshot,
      unit: "req/s",
      target: "≥ 0.70× floor",
      isMet: u.service.snapshot >= 0.7 * u.floor.snapshot,
    }),
  ];
}

function footprintRows(a: FootprintResult): Row[] {
  const idleS = Math.round(a.idleWindowMs / 1000);
  return [
    makeRow({
      section: "4",
      figure: "agent start → file written",
      measured: a.fileWrittenMs,
      floor: a.nodeStartMs,
      unit: "ms",
      target: "≤ 500 ms",
      isMet: a.fileWrittenMs <= 500,
    }),
    makeRow({
      section: "4",
      figure: `agent RSS after ${idleS} s idle`,
      measured: mib(a.agentRssBytes),
      floor: mib(a.bareNodeRssBytes),
      unit: "MiB",
      target: "≤ 1.4× floor",
      isMet: a.agentRssBytes <= 1.4 * a.bareNodeRssBytes,
    }),
    makeRow({
      section: "4",
      figure: `agent CPU over ${idleS} s idle`,
      measured: a.agentIdleCpuPercent,
      floor: a.bareNodeIdleCpuPercent,
      unit: "%",
      target: "≤ 0.5 %",
      isMet: a.agentIdleCpuPercent <= 0.5,
    }),
  ];
}

function stormRows(f: FanoutResult): Row[] {
  const s = f.storm;
  return [
    makeRow({
      section: "5",
      figure: `storm: all ${count(f.streams)} resubscribed`,
      measured: s.allResubscribedMs,
      // No storm settles before the server is back and every stream has
      // done the handshake bare grpc-js needs on these cores.
      floor: s.restartMs + f.connectFloorMs,
      unit: "ms",
      target: "≤ 35 s",
      isMet: s.allResubscribedMs <= 35_000,
    }),
    makeRow({
      section: "5",
      figure: "storm: most resubscribing in any 1 s",
      measured: s.maxShareInOneSecond * 100,
      floor: null,
      unit: "%",
      target: "≤ 15 %",
      isMet: s.maxShareInOneSecond <= 0.15,
    }),
  ];
}
