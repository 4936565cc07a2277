/**
 * The header of the line dialects: it names the format, and the revision
 * in it is found again, also in a file an older agent wrote without the
 * format.
 */
import { describe, expect, it } from "vitest";
import { revisionInHeader } from "../../../src/agent/dialects/header-lines.js";
import { DIALECTS } from "../../../src/agent/dialects/index.js";
import { renderEnvFile } from "../../../src/agent/dialects/render-env-file.js";

function render(format: string): string {
  return renderEnvFile({
    dialect: DIALECTS[format] ?? expect.fail(`no dialect ${format}`),
    algorithm: "acme/header",
    revision: 42,
    secrets: [{ envName: "A", value: "a" }],
    isSkippingUnrepresentable: false,
  }).content;
}

describe.each(["sh", "dotenv", "docker"])("the %s header", (format) => {
  it("names the algorithm, the revision and the format", () => {
    expect(render(format).split("\n")[1]).toBe(
      `# algorithm=acme/header revision=42 format=${format}`,
    );
  });

  it("gives its revision back", () => {
    expect(revisionInHeader(render(format))).toBe(42);
  });
});

describe("revisionInHeader", () => {
  it("reads the header of an agent that wrote no format", () => {
    const text =
      "# Written by secrets-agent. Do not edit: changes are replaced.\n" +
      "# algorithm=acme/header revision=7\nexport A='a'\n";
    expect(revisionInHeader(text)).toBe(7);
  });

  it("finds nothing in a file without the header", () => {
    expect(revisionInHeader("export A='a'\n")).toBeUndefined();
    expect(revisionInHeader('{\n  "A": "a"\n}\n')).toBeUndefined();
  });
});
