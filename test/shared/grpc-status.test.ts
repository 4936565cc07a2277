/**
 * What a client is told about a failure: its own mistakes in full, the
 * service's own failures (INTERNAL, its key and database files) as fixed
 * words, since their text names server paths and key ids.
 */
import { status } from "@grpc/grpc-js";
import { describe, expect, it } from "vitest";
import { SecretsError } from "../../src/shared/errors.js";
import { toGrpcError } from "../../src/shared/grpc-status.js";

describe("toGrpcError", () => {
  it.each([
    new SecretsError(
      "INTERNAL",
      "key-encryption key kek-1 is not in /srv/state/kek.json",
    ),
    new SecretsError(
      "FAILED_PRECONDITION",
      "kek-file: /srv/state/kek.json is not JSON",
      {
        field: "kek-file",
      },
    ),
    new SecretsError(
      "FAILED_PRECONDITION",
      "state-dir: cannot open database /srv/state/secrets.db",
      {
        field: "state-dir",
      },
    ),
  ])(
    "sends a service failure as INTERNAL without its words ($message)",
    (error) => {
      const sent = toGrpcError(error);
      expect(sent.code).toBe(status.INTERNAL);
      expect(sent.details).not.toContain("/srv/state");
      expect(sent.details).not.toContain("kek-1");
    },
  );

  it("sends the caller's mistake with its words and field", () => {
    const sent = toGrpcError(
      new SecretsError("INVALID_ARGUMENT", "env_name: must match …", {
        field: "env_name",
      }),
    );
    expect(sent.code).toBe(status.INVALID_ARGUMENT);
    expect(sent.details).toBe("env_name: must match …");
    expect(sent.metadata?.get("x-secrets-field")).toEqual(["env_name"]);
  });
});
