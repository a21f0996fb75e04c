import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Native addons (better-sqlite3) and process-group tests are happiest in forks.
    pool: "forks",
    // Most end-to-end tests wait on child processes (agents, controllers, git) rather than
    // compute, so three files at a time keep two cores busy; vitest's default is cores - 1.
    maxWorkers: 3,
    // Tests wait on conditions, not times; these limits only end a stuck test, and leave room
    // for a loaded 2-core machine, where starting a process or a controller takes seconds.
    testTimeout: 90_000,
    hookTimeout: 90_000,
  },
});
