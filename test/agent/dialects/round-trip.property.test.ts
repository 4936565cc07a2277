/**
 * Property: arbitrary UTF-8 values without NUL round-trip exactly through
 * the `sh` dialect in bash and dash, and through the `dotenv` dialect in
 * Node's parser, the dotenv package and python-dotenv for every value the
 * dialect accepts. Each run writes a batch of values into one file, so a
 * run costs one process per reader and values meet their neighbours.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DIALECTS } from "../../../src/agent/dialects/index.js";
import { renderEnvFile } from "../../../src/agent/dialects/render-env-file.js";
import { tmpfsDir } from "../../helpers/tmpfs.js";
import {
  dotenvPackage,
  pythonDotenv,
  type RealReader,
  SHELLS,
  shellReader,
  utilParseEnv,
} from "./real-readers.js";

/** The characters the readers treat specially, to hit them often. */
const AWKWARD = fc.constantFrom(
  ..."'\"`\\$#{}=:- \t\n\r\u00a0\u2028\u0085\u001fanr".split(""),
);

/** Any UTF-8 text without NUL, biased towards quotes and line ends. */
const VALUE = fc
  .oneof(
    fc.string({ unit: "binary" }),
    fc.string({ unit: AWKWARD }),
    fc.string({
      unit: fc.oneof(AWKWARD, fc.string({ unit: "binary", maxLength: 1 })),
    }),
  )
  .map((value) => value.replaceAll("\0", ""));

const BATCH = fc.array(VALUE, { minLength: 1, maxLength: 25 });

const dir = tmpfsDir("as-property-");

/** Renders `values` as V0, V1, …, skipping what the dialect refuses. */
function writeBatch(dialect: string, values: readonly string[]) {
  const secrets = values.map((value, index) => ({
    envName: `V${index}`,
    value,
  }));
  const rendered = renderEnvFile({
    dialect: DIALECTS[dialect] ?? expect.fail(dialect),
    algorithm: "acme/property",
    revision: 1,
    secrets,
    isSkippingUnrepresentable: true,
  });
  const file = join(dir, `${dialect}.env`);
  writeFileSync(file, rendered.content);
  const accepted = secrets.filter(
    ({ envName }) => !rendered.skippedNames.includes(envName),
  );
  return { file, accepted, skippedNames: rendered.skippedNames };
}

async function expectRoundTrip(
  read: RealReader,
  file: string,
  accepted: ReadonlyArray<{ envName: string; value: string }>,
) {
  const names = accepted.map(({ envName }) => envName);
  const values = await read(file, names);
  for (const { envName, value } of accepted) {
    expect(values.get(envName)?.toString("hex"), envName).toBe(
      Buffer.from(value).toString("hex"),
    );
  }
}

describe("the sh dialect", () => {
  describe.each(["bash", "dash"])("sourced by %s", (shell) => {
    it("reads back every value exactly", async () => {
      const read = shellReader(SHELLS[shell] ?? []);
      await fc.assert(
        fc.asyncProperty(BATCH, async (values) => {
          const { file, accepted, skippedNames } = writeBatch("sh", values);
          expect(skippedNames).toEqual([]);
          await expectRoundTrip(read, file, accepted);
        }),
        { numRuns: 60 },
      );
    });
  });
});

describe("the dotenv dialect", () => {
  describe.each([
    ["util.parseEnv", utilParseEnv],
    ["the dotenv package", dotenvPackage],
  ] as const)("read by %s", (_name, read) => {
    it("reads back every value it accepts exactly", async () => {
      await fc.assert(
        fc.asyncProperty(BATCH, async (values) => {
          const { file, accepted } = writeBatch("dotenv", values);
          await expectRoundTrip(read, file, accepted);
        }),
        { numRuns: 200 },
      );
    });
  });

  describe("read by python3-dotenv", () => {
    it("reads back every value it accepts exactly", async () => {
      await fc.assert(
        fc.asyncProperty(BATCH, async (values) => {
          const { file, accepted } = writeBatch("dotenv", values);
          await expectRoundTrip(pythonDotenv, file, accepted);
        }),
        { numRuns: 30 },
      );
    });
  });

  it("accepts most values that have no carriage return", () => {
    // Guards against a dialect that passes the round trips by refusing
    // everything.
    const sample = fc.sample(
      VALUE.filter((value) => !value.includes("\r")),
      {
        numRuns: 300,
        seed: 4,
      },
    );
    const { accepted } = writeBatch("dotenv", sample);
    expect(accepted.length / sample.length).toBeGreaterThan(0.5);
  });
});
