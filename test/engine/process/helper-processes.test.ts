import { spawn } from "node:child_process";
import { describe, expect, it } from "vitest";
import { helpersOf } from "../../../src/engine/process/helper-processes.js";
import { until } from "../../support/controller.js";

describe("helpersOf", () => {
  it("finds a running helper by the engine pid it was given, and no other", async () => {
    // Shaped like `node .../process-host-entry.cjs <engine pid>`.
    const fake = spawn(process.execPath, ["-e", "setTimeout(() => {}, 30000)", "process-host-entry.cjs", "4242"], { stdio: "ignore" });
    try {
      await until("the fake helper to show in /proc", () => helpersOf(4242).length === 1, 10_000);
      expect(helpersOf(4242)).toEqual([fake.pid]);
      expect(helpersOf(424)).toEqual([]);
      expect(helpersOf(42424)).toEqual([]);
    } finally {
      fake.kill("SIGKILL");
    }
    await until("it to be gone", () => helpersOf(4242).length === 0, 10_000);
  });
});
