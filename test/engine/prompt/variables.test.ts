import { describe, expect, it } from "vitest";
import { pipelineVariables, type PromptContext } from "../../../src/engine/prompt/variables.js";

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

describe("pipelineVariables", () => {
  it("offers every documented variable", () => {
    const vars = pipelineVariables(context);
    expect(vars).toMatchObject({
      goal: "fix the login bug",
      source_tree: "/repo",
      workspace_root: "/repo",
      diff: "diff --git a/x b/x",
      rel_path: "docs/qa/login.md",
      qa_file_path: "docs/qa/login.md",
      plan_output_path: "/logs/plan.txt",
      ticket_paths: "docs/ticket/a.md docs/ticket/b.md",
      ticket_dir: "docs/ticket",
      task_id: "task-1",
      task_item_id: "item-7",
      cycle: "2",
      workspace: "default",
      project: "web",
      workflow: "qa_fix",
      prev_stdout: "prev out",
      prev_stderr: "prev err",
      plan_output: "the plan",
      env: "staging",
      delta_lines: "3",
    });
  });

  it("lets built-ins win over --set and step_vars over captured vars", () => {
    const vars = pipelineVariables({ ...context, stepVars: { delta_lines: "", cycle: "99" } });
    expect(vars["goal"]).toBe("fix the login bug");
    expect(vars["delta_lines"]).toBe("");
    expect(vars["cycle"]).toBe("2");
  });

  it("lets a name given with --set or spec.vars win over the built-in of that name", () => {
    const vars = pipelineVariables({
      ...context,
      setVars: { ticket_paths: "docs/ticket/T-0042.md", cycle: "7", env: "staging" },
      ownNames: ["ticket_paths", "cycle", "env"],
    });
    expect(vars["ticket_paths"]).toBe("docs/ticket/T-0042.md");
    expect(vars["cycle"]).toBe("7");
    // Other built-ins stay the engine's.
    expect(vars["rel_path"]).toBe("docs/qa/login.md");
  });

  it("lets an item's capture of an own name update it, and step_vars override it for the step", () => {
    const own = { ...context, setVars: { ticket_paths: "from-set" }, ownNames: ["ticket_paths"] };
    expect(pipelineVariables({ ...own, pipelineVars: { ticket_paths: "captured" } })["ticket_paths"]).toBe("captured");
    expect(pipelineVariables({ ...own, stepVars: { ticket_paths: "" } })["ticket_paths"]).toBe("");
  });

  it("leaves item variables empty for task-scoped steps", () => {
    const { item: _item, ...taskScoped } = context;
    const vars = pipelineVariables(taskScoped);
    expect([vars["rel_path"], vars["task_item_id"], vars["ticket_paths"]]).toEqual(["", "", ""]);
  });
});
