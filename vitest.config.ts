import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Multi-process tests start real servers and agents; two cores do
    // not take more than two test files at once without timing noise.
    maxWorkers: 2,
  },
});
