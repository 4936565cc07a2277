import { describe, expect, it } from "vitest";
import { maskCredentials } from "../../src/shared/grpc-logging.js";

const JWT = "eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl";

describe("maskCredentials", () => {
  describe("when grpc-js traces a request's headers", () => {
    it("masks the authorization value and keeps the rest", () => {
      const line = `Request to /x received headers {"authorization":["Bearer ${JWT}"],"user-agent":["grpc-node-js/1.14"]}`;
      const masked = maskCredentials(line);
      expect(masked).not.toContain("eyJ");
      expect(masked).toContain("grpc-node-js/1.14");
    });

    it("masks a value sent without the Bearer scheme", () => {
      expect(maskCredentials(`{"authorization":["hunter2"]}`)).not.toContain(
        "hunter2",
      );
    });
  });

  describe("when a token appears elsewhere in a line", () => {
    it("masks a bare JWT and a bearer value", () => {
      const masked = maskCredentials(`token ${JWT}; bearer abc.def`);
      expect(masked).not.toContain("eyJ");
      expect(masked).not.toContain("abc.def");
    });
  });
});
