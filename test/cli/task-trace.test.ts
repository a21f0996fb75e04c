import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Controllers, createTask, taskProject, waitForPhase, type Project } from "./task-support.js";

interface TraceJson {
  task: { id: string; name: string; phase: string };
  summary: { cycles: number; runs: number; failed: number; timedOut: number; skipped: number };
  cycles: Array<{ cycle: number; startedAt: string | null; finishedAt: string | null; runs: Array<{ step: string; item: string | null; status: string; exitCode: number | null; durationMs: number | null; startedAt: string; finishedAt: string | null; reason: string | null; flags: string[] }> }>;
  events: Array<{ type: string }>;
}

describe("orchestrator task trace", { timeout: 120_000 }, () => {
  let p: Project;
  const controllers = new Controllers();
  let id: string;
  beforeAll(async () => {
    p = taskProject();
    id = createTask(p, "traced", "traced");
    p.run(["task", "start", id]);
    controllers.start(p);
    await waitForPhase(p, id, ["Failed"]);
  }, 120_000);
  afterAll(async () => {
    await controllers.stopAll();
    p?.cleanup();
  });

  it("--json gives cycles of runs with flags for non-zero exits, timeouts and skips, with their reasons", () => {
    const r = p.run(["task", "trace", id, "--json"]);
    expect(r.code).toBe(0);
    const t = JSON.parse(r.stdout) as TraceJson;
    expect(t.task).toMatchObject({ id, name: "traced", phase: "Failed" });
    expect(t.summary).toMatchObject({ cycles: 1, runs: 4, failed: 1, timedOut: 1, skipped: 1 });
    expect(t.cycles).toHaveLength(1);
    const c = t.cycles[0]!;
    expect(c.cycle).toBe(1);
    expect(c.startedAt! <= c.runs[0]!.startedAt).toBe(true);
    expect(c.runs.map((x) => [x.step, x.status, x.exitCode, x.flags, x.reason])).toEqual([
      ["ok", "succeeded", 0, [], null],
      ["bad", "failed", 3, ["nonzero_exit"], null],
      ["maybe", "skipped", null, ["skipped"], "not needed today"],
      ["slow", "timed_out", 143, ["nonzero_exit", "timed_out"], "timed out after 1s"],
    ]);
    expect(c.runs[3]!.durationMs).toBeGreaterThanOrEqual(1000);
    expect(t.events.map((e) => e.type)).toEqual(["task_created", "task_queued", "task_started", "task_failed"]);
  });

  it("prints a timeline with a summary, one line per run and its flags", () => {
    const r = p.run(["task", "trace", "traced"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^Task traced \\(${id}\\) — Failed: failed: bad failed; slow timed_out: timed out after 1s\\n`));
    expect(r.stdout).toMatch(/\nWall time: \S+ \| 1 cycle \| 4 runs \(1 failed, 1 timed out, 1 skipped\)\n/);
    expect(r.stdout).toMatch(/\n── Cycle 1 ─+\n/);
    expect(r.stdout).toMatch(/\n {2}\d\d:\d\d:\d\d\.\d{3} {2}✓ ok +\d+ms\n/);
    expect(r.stdout).toMatch(/\n {2}\S+ {2}✗ bad +\d+ms {2}exit=3\n/);
    expect(r.stdout).toMatch(/\n {2}\S+ {2}⊘ maybe +skipped {2}\(not needed today\)\n/);
    expect(r.stdout).toMatch(/\n {2}\S+ {2}⏱ slow +1\.\ds {2}exit=143 {2}TIMED OUT {2}\(timed out after 1s\)\n/);
    expect(r.stdout).toMatch(/• task_failed: /);
    expect(r.stdout).not.toContain("\u001b[");
  });

  it("fails with the reason for an unknown task", () => {
    const r = p.run(["task", "trace", "nope", "--json"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('no task matches "nope"');
  });
});
