import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { renderAgentCommand, renderStepPrompt } from "../../../src/engine/prompt/step-prompt.js";
import type { PromptContext } from "../../../src/engine/prompt/variables.js";

const context: PromptContext = {
  taskId: "task-1",
  goal: "fix the login bug",
  cycle: 2,
  workspace: "default",
  project: "web",
  workflow: "qa_fix",
  workspaceRoot: "/repo",
  diff: "diff --git a/x b/x",
  ticketDir: "docs/ticket",
  planOutputPath: "/logs/plan.txt",
  item: { id: "item-7", relPath: "docs/qa/login.md", ticketPaths: ["docs/ticket/a.md", "docs/ticket/b.md"] },
  prevStdout: "prev out",
  prevStderr: "prev err",
  stepOutputs: { plan: "the plan" },
  setVars: { env: "staging", goal: "ignored: built-ins win" },
  pipelineVars: { delta_lines: "3" },
};

describe("renderStepPrompt", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "orch-step-prompt-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("renders the template, spills large values, and the agent command receives the exact prompt", () => {
    const nasty = "it's `rm -rf ~` $(touch PWNED)";
    const bigDiff = "+".repeat(5000);
    const r = renderStepPrompt({
      context: { ...context, goal: nasty, diff: bigDiff },
      template: "Goal: {goal}\nDiff file: {diff_path}\nItem: {rel_path}",
      spillDir: join(dir, "spill"),
    });
    const command = renderAgentCommand("printf '%s' '{prompt}' > out; printf '%s' {cycle} > cycle", r.vars, { prompt: r.prompt });
    expect(r.spilled.map((f) => f.key)).toEqual(["diff"]);
    expect(r.prompt).toBe(`Goal: ${nasty}\nDiff file: ${r.spilled[0]!.path}\nItem: docs/qa/login.md`);
    const run = spawnSync("/bin/sh", ["-c", command.command], { cwd: dir, env: { PATH: process.env.PATH, ...command.env } });
    expect(run.status).toBe(0);
    expect(readFileSync(join(dir, "out"), "utf8")).toBe(r.prompt);
    expect(readFileSync(join(dir, "cycle"), "utf8")).toBe("2");
    expect(existsSync(join(dir, "PWNED"))).toBe(false);
  });

  it("uses the goal as the prompt when the step has no template", () => {
    expect(renderStepPrompt({ context, spillDir: dir }).prompt).toBe("fix the login bug");
  });

  it("offers {diff_path} to a command that asks for it even when the prompt does not use {diff}", () => {
    const r = renderStepPrompt({ context, template: "no diff here", spillDir: dir, alsoRendered: ['cat "{diff_path}"'] });
    expect(r.prompt).toBe("no diff here");
    expect(readFileSync(r.vars["diff_path"]!, "utf8")).toBe("diff --git a/x b/x");
  });
});

describe("renderAgentCommand", () => {
  it("lets delivery placeholders win over pipeline variables", () => {
    const c = renderAgentCommand("run {prompt} {cycle}", { prompt: "from vars", cycle: "1" }, { prompt: "delivered" });
    expect(c.env).toEqual({ ORCH_P_0: "delivered", ORCH_P_1: "1" });
  });

});
