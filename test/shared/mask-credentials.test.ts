import { describe, expect, it } from "vitest";
import {
  maskCredentials,
  printableLine,
} from "../../src/shared/mask-credentials.js";

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

    it("masks a value holding a closing bracket, and every value of the list", () => {
      const masked = maskCredentials(
        `{"authorization":["hun]ter2","second\\"]one"],"user-agent":["x"]}`,
      );
      expect(masked).not.toContain("ter2");
      expect(masked).not.toContain("one");
      expect(masked).toContain('"user-agent":["x"]');
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

describe("printableLine", () => {
  it("turns escape sequences and line breaks into spaces", () => {
    expect(printableLine("gone\u001b[2J\r\nnext\u009bline")).toBe(
      "gone [2J next line",
    );
  });

  it("masks a token quoted in the text", () => {
    expect(printableLine(`"${JWT}" is not a duration`)).toBe(
      '"[redacted]" is not a duration',
    );
  });
});
