import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Native addons (better-sqlite3) and process-group tests are happiest in forks.
    pool: "forks",
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
