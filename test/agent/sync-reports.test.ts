/**
 * The sync loop's reports as the agent takes them: into a real status,
 * cache and metrics, with a clock the test moves. The file publisher is a
 * stand-in that counts calls; the file itself is covered elsewhere.
 */
import { describe, expect, it } from "vitest";
import { createAgentMetrics } from "../../src/agent/agent-metrics.js";
import { AgentStatus } from "../../src/agent/agent-status.js";
import type { FilePublisher } from "../../src/agent/file-publisher.js";
import { SnapshotCache } from "../../src/agent/snapshot-cache.js";
import {
  makeSyncReports,
  RACE_WINDOW_MS,
} from "../../src/agent/sync-reports.js";
import { SecretsError } from "../../src/shared/errors.js";
import type { Snapshot } from "../../src/shared/messages.js";
import { memoryLogger } from "./memory-logger.js";

const VALUE = "hunter2-value";
const SHORT_VALUE = "ab";

const ALGORITHM = "demo/reports";

function snapshot(revision: number, changes: Partial<Snapshot> = {}): Snapshot {
  return {
    algorithm: ALGORITHM,
    revision,
    secrets: [
      { envName: "API_KEY", value: Buffer.from(VALUE) },
      { envName: "PIN", value: Buffer.from(SHORT_VALUE) },
    ],
    ...changes,
  } as Snapshot;
}

/** Reports wired to real parts, holding revision 5 received at time 0. */
function setUp() {
  let nowMs = 0;
  const { logger, lines } = memoryLogger();
  const status = new AgentStatus("/dev/shm/x/secrets.env");
  const metrics = createAgentMetrics({
    isFileCurrent: () => status.isFileCurrent,
  });
  const cache = new SnapshotCache();
  const publisher = { changed: () => undefined } as unknown as FilePublisher;
  const clock = {
    now: () => nowMs,
    setTimeout: () => () => undefined,
  };
  const reports = makeSyncReports({
    status,
    metrics,
    cache,
    publisher,
    logger,
    clock,
    algorithm: () => ALGORITHM,
  });
  reports.onSnapshot(snapshot(5), "stream");
  const document = () => status.toDocument(nowMs);
  const syncCount = async () =>
    (await metrics.syncs.get()).values.reduce((sum, v) => sum + v.value, 0);
  const advance = (ms: number) => {
    nowMs += ms;
  };
  return { reports, status, cache, lines, document, syncCount, advance };
}

describe("sync reports", () => {
  describe("when a failure's message quotes a held value", () => {
    it("shows only the code, the source and fixed words in /status", () => {
      const { reports, document, lines } = setUp();
      const quoted = `upstream said ${VALUE} and ${SHORT_VALUE} ok`;
      reports.onFailure(
        new SecretsError("UNAVAILABLE", quoted, { field: "API_KEY" }),
        "refresh",
      );
      const shown = JSON.stringify(document());
      expect(shown).not.toContain("upstream said");
      expect(shown).not.toContain(VALUE);
      expect(document().lastError).toMatchObject({
        code: "UNAVAILABLE",
        source: "refresh",
        field: null,
      });
      expect(document().lastFailure?.source).toBe("refresh");
      const aboveDebug = lines().filter((line) => line.level !== "debug");
      expect(JSON.stringify(aboveDebug)).not.toContain("upstream said");
    });

    it("keeps the words for the debug log only", () => {
      const { reports, lines } = setUp();
      reports.onFailure(
        new SecretsError("UNAVAILABLE", "conn reset"),
        "stream",
      );
      const detailed = lines().filter((line) =>
        JSON.stringify(line).includes("conn reset"),
      );
      expect(detailed.map((line) => line.level)).toEqual(["debug"]);
    });
  });

  describe("when the service reports a lower revision than the one held", () => {
    it("marks the status stale, not fresh, and warns once naming both revisions", async () => {
      const { reports, document, lines, syncCount, advance } = setUp();
      const syncsBefore = await syncCount();
      advance(RACE_WINDOW_MS + 1);
      reports.onContact("stream", 3);
      reports.onContact("refresh", 3);
      reports.onSnapshot(snapshot(3), "refresh");

      expect(document().isStale).toBe(true);
      expect(document().lastError).toMatchObject({
        code: "FAILED_PRECONDITION",
        source: "refresh",
      });
      expect(await syncCount()).toBe(syncsBefore);
      const warnings = lines().filter((line) => line.level === "warn");
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatchObject({ revision: 3, heldRevision: 5 });
    });

    it("keeps the newer snapshot", () => {
      const { reports, cache, advance } = setUp();
      advance(RACE_WINDOW_MS + 1);
      reports.onSnapshot(snapshot(3), "stream");
      expect(cache.knownRevision()).toBe(5);
    });

    it("recovers at the held revision, and warns again on the next fall", () => {
      const { reports, document, lines, advance } = setUp();
      advance(RACE_WINDOW_MS + 1);
      reports.onContact("stream", 3);
      reports.onContact("stream", 5);
      expect(document().isStale).toBe(false);
      reports.onContact("stream", 2);
      expect(document().isStale).toBe(true);
      const warnings = lines().filter((line) => line.level === "warn");
      expect(warnings.map((line) => line.revision)).toEqual([3, 2]);
    });

    it("ignores it soon after the held snapshot came: a late answer", async () => {
      const { reports, document, lines, syncCount, advance } = setUp();
      const syncsBefore = await syncCount();
      advance(RACE_WINDOW_MS - 1);
      reports.onContact("refresh", 4);
      reports.onSnapshot(snapshot(4), "refresh");
      expect(document().isStale).toBe(false);
      expect(await syncCount()).toBe(syncsBefore);
      expect(lines().filter((line) => line.level === "warn")).toEqual([]);
    });
  });

  describe("when a snapshot carries text that could break out of the file's header", () => {
    const INJECTED = "\nexport INJECTED=1\n# ";
    const cases: Array<[string, Partial<Snapshot>, string]> = [
      ["another algorithm", { algorithm: "demo/other" }, "algorithm"],
      [
        "a line break in the algorithm",
        { algorithm: `${ALGORITHM}${INJECTED}` },
        "algorithm",
      ],
      [
        "a line break in a name",
        {
          secrets: [{ envName: `API_KEY${INJECTED}`, value: Buffer.from("x") }],
        },
        "env_name",
      ],
    ];
    for (const [name, changes, field] of cases) {
      it(`refuses ${name}, names the field, and keeps the held snapshot`, () => {
        const { reports, cache, document, lines } = setUp();
        reports.onSnapshot(snapshot(6, changes), "stream");
        expect(cache.knownRevision()).toBe(5);
        expect(cache.current()?.algorithm).toBe(ALGORITHM);
        expect(document().lastError).toMatchObject({ code: "INTERNAL", field });
        expect(JSON.stringify(document())).not.toContain("INJECTED");
        expect(JSON.stringify(lines())).not.toContain("INJECTED");
      });
    }
  });
});
