import { describe, expect, it } from "vitest";
import { loadAgentConfig, MIN_REFRESH_MS } from "../../src/agent/config.js";
import type { SecretsError } from "../../src/shared/errors.js";

const base = ["--token-file", "/dev/shm/t.token"];

describe("loadAgentConfig", () => {
  describe("with only the token file", () => {
    it("takes the documented defaults", () => {
      const config = loadAgentConfig(base, {});
      expect(config).toMatchObject({
        addr: "127.0.0.1:7443",
        file: "/run/algorithm-secrets/secrets.env",
        format: "sh",
        fileMode: 0o440,
        refreshMs: 60_000,
        debounceMs: 1000,
        healthHost: "127.0.0.1",
        healthPort: 8099,
        isWatchEnabled: true,
        isOnce: false,
        onceTimeoutMs: 60_000,
        reloadSignal: undefined,
      });
      expect(Object.isFrozen(config)).toBe(true);
    });
  });

  describe("when a flag and its environment twin disagree", () => {
    it("lets the flag win", () => {
      const config = loadAgentConfig([...base, "--refresh", "5s"], {
        SECRETS_AGENT_REFRESH: "30s",
        SECRETS_AGENT_FILE_MODE: "0400",
      });
      expect(config.refreshMs).toBe(5000);
      expect(config.fileMode).toBe(0o400);
    });
  });

  describe("when a setting is wrong", () => {
    it.each([
      [["--bogus"], {}],
      [[...base, "--refresh", "60"], {}],
      [[...base, "--file-mode", "0644"], {}],
      [[...base, "--reload-signal", "SIGHUP"], {}],
      [[...base, "--format", "yaml"], {}],
      [base, { SECRETS_AGENT_TYPO: "1" }],
      [base, { SECRETS_AGENT_ONCE: "maybe" }],
      [[], {}],
    ])("refuses %j %j with INVALID_ARGUMENT", (argv, env) => {
      expect(() => loadAgentConfig(argv, env)).toThrow(
        expect.objectContaining({ code: "INVALID_ARGUMENT" }),
      );
    });

    it("does not echo what follows = in an unknown option", () => {
      const canary = "eyJcanary.token.value";
      try {
        loadAgentConfig([...base, `--token=${canary}`], {});
        expect.unreachable();
      } catch (error) {
        expect((error as SecretsError).code).toBe("INVALID_ARGUMENT");
        expect((error as Error).message).not.toContain(canary);
      }
    });

    it.each([
      ["refresh", "30d"],
      ["once-timeout", "25d"],
      ["reload-timeout", "99999999999h"],
      ["debounce", "600h"],
    ])(
      "refuses --%s %s, longer than a timer holds, naming it",
      (name, text) => {
        expect(() => loadAgentConfig([...base, `--${name}`, text], {})).toThrow(
          expect.objectContaining({ code: "INVALID_ARGUMENT", field: name }),
        );
      },
    );

    it("takes 24d, the longest a timer holds", () => {
      expect(loadAgentConfig([...base, "--refresh", "24d"], {}).refreshMs).toBe(
        24 * 86_400_000,
      );
    });

    it("names the setting", () => {
      expect(() => loadAgentConfig([...base, "--refresh", "x"], {})).toThrow(
        expect.objectContaining({ field: "refresh" }),
      );
    });

    it.each([["0s"], ["1ms"], ["249ms"]])(
      "refuses --refresh %s, under the floor, naming refresh",
      (refresh) => {
        expect(() =>
          loadAgentConfig([...base, "--refresh", refresh], {}),
        ).toThrow(
          expect.objectContaining({
            code: "INVALID_ARGUMENT",
            field: "refresh",
          }),
        );
        expect(() =>
          loadAgentConfig(base, { SECRETS_AGENT_REFRESH: refresh }),
        ).toThrow(expect.objectContaining({ field: "refresh" }));
      },
    );

    it("accepts --refresh at the floor", () => {
      const config = loadAgentConfig([...base, "--refresh", "250ms"], {});
      expect(config.refreshMs).toBe(MIN_REFRESH_MS);
    });
  });

  describe("with a reload pidfile and no signal", () => {
    it("sends SIGHUP", () => {
      const config = loadAgentConfig(
        [...base, "--reload-pidfile", "/x.pid"],
        {},
      );
      expect(config.reloadSignal).toBe("SIGHUP");
    });
  });

  describe("with --no-watch", () => {
    it("turns the stream off", () => {
      expect(loadAgentConfig([...base, "--no-watch"], {}).isWatchEnabled).toBe(
        false,
      );
    });
  });
});
