/**
 * @module Task and Run specs. A Task runs a Workflow in a Workspace; a Run
 * does the same, or runs one StepTemplate with an agent chosen by
 * capability. A `status` block on either is written by the engine and never
 * read from a manifest.
 */
import {
  describe, nonEmptyString, object, resourceName, string, stringList, stringMap, type KindSpec, type SpecIssue,
} from "./common.js";

const common = {
  workspace: describe(resourceName, "Where it runs (default: the project's only workspace; needed when the project has more than one)."),
  goal: describe(string, "The goal, offered to prompts as {goal}."),
  vars: describe(stringMap, "Pipeline variables, as --set key=value."),
  target_files: describe(stringList, "More task items besides the workspace's qa_targets; each must exist inside the workspace."),
};

/** `vars.goal` is the goal (as `--set goal=X` is `--goal X`); two different goals cannot both hold. */
function checkGoal(spec: Record<string, unknown>): SpecIssue[] {
  const vars = spec["vars"];
  const fromVars = vars && typeof vars === "object" && !Array.isArray(vars) ? (vars as Record<string, unknown>)["goal"] : undefined;
  const goal = spec["goal"];
  if (typeof fromVars !== "string" || typeof goal !== "string" || goal === "" || goal === fromVars) return [];
  return [{
    path: ["vars", "goal"],
    message: `vars.goal ${JSON.stringify(fromVars)} and goal ${JSON.stringify(goal)} disagree; vars.goal is the task's goal`,
    hint: "give the goal once, as goal or as vars.goal",
  }];
}

/** A NUL byte in the goal or a variable could never reach a step's process: refused at apply. */
function checkNul(spec: Record<string, unknown>): SpecIssue[] {
  const issues: SpecIssue[] = [];
  const hint = "a NUL byte cannot be passed to a process (arguments and environment values end at the first one); remove it";
  if (typeof spec["goal"] === "string" && spec["goal"].includes("\u0000")) issues.push({ path: ["goal"], message: "the goal contains a NUL byte", hint });
  const vars = spec["vars"];
  if (vars && typeof vars === "object" && !Array.isArray(vars)) {
    for (const [k, v] of Object.entries(vars)) {
      if (k.includes("\u0000") || (typeof v === "string" && v.includes("\u0000"))) issues.push({ path: ["vars", k], message: `variable '${k.split("\u0000").join("\\0")}' contains a NUL byte`, hint });
    }
  }
  return issues;
}

const steps = describe(stringList, "Run only these step ids, in workflow order (as --step); default all enabled steps.");

export const task: KindSpec = {
  schema: object({
    workflow: describe(resourceName, "The workflow to run, in the task's project; a task without one fails when it starts."),
    steps,
    ...common,
  }, {
    misplaced: { step: "steps", set: "vars", variables: "vars" },
    description: "One run of a Workflow in a Workspace, queued when applied. The engine records its progress in status, which a manifest never sets.",
  }),
  check: (spec) => [...checkGoal(spec), ...checkNul(spec)],
};

function checkRun(spec: Record<string, unknown>): SpecIssue[] {
  const hasWorkflow = spec["workflow"] !== undefined;
  const hasTemplate = spec["template"] !== undefined;
  if (hasWorkflow === hasTemplate) {
    return [{
      path: hasWorkflow ? ["template"] : [],
      message: hasWorkflow ? "a run has either workflow or template, not both" : "a run needs workflow, or template with agent_capability",
      hint: "workflow: <name> runs a workflow; template: <name> + agent_capability: <cap> runs one step template",
    }];
  }
  const issues: SpecIssue[] = [];
  if (hasTemplate && spec["agent_capability"] === undefined) {
    issues.push({ path: ["template"], message: "a template run needs agent_capability (which agent runs the template)" });
  }
  if (hasWorkflow) {
    for (const key of ["agent_capability", "profile"]) {
      if (spec[key] !== undefined) issues.push({ path: [key], message: `${key} applies to template runs only`, hint: "remove it, or use template instead of workflow" });
    }
  }
  if (hasTemplate && spec["steps"] !== undefined) {
    issues.push({ path: ["steps"], message: "steps applies to workflow runs only" });
  }
  issues.push(...checkGoal(spec));
  return issues;
}

export const run: KindSpec = {
  schema: object({
    workflow: describe(resourceName, "Run this workflow (exactly one of workflow and template)."),
    steps: describe(stringList, "With workflow only: run only these step ids, in workflow order."),
    template: describe(resourceName, "Run this StepTemplate as a single task-scoped step, with no workflow."),
    agent_capability: describe(nonEmptyString, "With template (required): the capability of the agent that runs it."),
    profile: describe(resourceName, "With template only: the step's ExecutionProfile."),
    ...common,
  }, {
    misplaced: { capability: "agent_capability", step: "steps", set: "vars" },
    description: "Like a Task, or one StepTemplate run by an agent chosen by capability, with no workflow at all (as `orchestrator run --template`).",
  }),
  check: (spec) => [...checkRun(spec), ...checkNul(spec)],
};
