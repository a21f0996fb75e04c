/**
 * @module `orchestrator task info ID [-o text|json|yaml]`: a task's status,
 * its items, the latest run of each step and every run (with its parsed
 * output in JSON and YAML, secrets redacted).
 */
import type { JsonObject } from "../../resources/types.js";
import type { Store } from "../../store/store.js";
import type { ItemRecord, RunRecord, TaskRecord } from "../../store/task-store.js";
import { openTaskStore } from "../../store/task-store.js";
import { withStore } from "../context.js";
import type { OutputFormat } from "../output/format.js";
import { printObject } from "../output/printer.js";
import { projectSecretValues } from "../../engine/runner/secret-values.js";
import { loopStopOf, outcomeReasonOf } from "../../engine/runner/resource-status.js";
import { captureProblemsOf, redactRuns } from "../output/run-output.js";
import { stepFilterInWorkflowOrder } from "../output/step-order.js";
import { renderTable } from "../output/table.js";
import { formatDuration, itemPathMap, itemView, latestRunPerStep, runDenials, runProfileName, runView, stepView, taskView, workflowOf } from "../output/task-view.js";
import { resolveTaskRef } from "./task-select.js";

export interface TaskInfoOptions {
  output?: OutputFormat;
  project?: string;
}

/** The JSON document `task info -o json` prints. */
export function taskInfoView(task: TaskRecord, items: readonly ItemRecord[], runs: readonly RunRecord[], children: readonly TaskRecord[] = []): JsonObject {
  const paths = itemPathMap(items);
  return {
    task: taskView(task),
    items: items.map(itemView),
    steps: latestRunPerStep(runs).map((r) => stepView(r, paths)),
    runs: runs.map((r) => runView(r, paths)),
    children: children.map((c) => ({ id: c.id, name: c.name, workflow: c.workflow, phase: c.phase, step: c.parent?.step ?? null })),
  };
}

export interface TaskInfoData {
  task: TaskRecord;
  items: ItemRecord[];
  runs: RunRecord[];
  /** Tasks it spawned. */
  children: TaskRecord[];
}

/** What `task info` shows of a task: its step filter in workflow order, its items, its runs with secrets redacted, and the tasks it spawned. */
export function loadTaskInfo(store: Store, found: TaskRecord): TaskInfoData {
  const tasks = openTaskStore(store);
  // The step filter as it runs: in workflow order, whatever order the flags came in.
  const task: TaskRecord = { ...found, spec: { ...found.spec, steps: stepFilterInWorkflowOrder(store, found) } };
  return { task, items: tasks.listItems(task.id), runs: redactRuns(tasks.listRuns(task.id), projectSecretValues(store, task.project)), children: tasks.listTasks({ parentTaskId: task.id }) };
}

export async function taskInfoCommand(ref: string, opts: TaskInfoOptions): Promise<void> {
  await withStore(async ({ store }) => {
    const found = resolveTaskRef(openTaskStore(store), ref, opts.project === undefined ? {} : { project: opts.project });
    const { task, items, runs, children } = loadTaskInfo(store, found);
    // `kind: TaskInfo` in the machine formats; `-o name` prints `task/ID`.
    printObject("TaskInfo", taskInfoView(task, items, runs, children), task.id, opts, () => renderInfo(task, items, runs, children), "task");
  });
}

const oneLine = (s: string): string => s.replace(/\s+/g, " ").trim();

function field(label: string, value: string | number | null | undefined): string {
  if (value === null || value === undefined || value === "") return "";
  return `${`${label}:`.padEnd(12)}${value}\n`;
}

const indent = (text: string): string =>
  text
    .split("\n")
    .map((l) => (l ? `  ${l}` : l))
    .join("\n");

/** A chain step's child shows as `parent/child`. */
const stepName = (r: RunRecord): string => (r.parentStepId ? `${r.parentStepId}/${r.stepId}` : r.stepId);

/** `max_cycles (fixed_cycles_complete) after cycle 3`, once the loop has stopped. */
function loopLine(task: TaskRecord): string | undefined {
  const loop = loopStopOf(task);
  if (!loop) return undefined;
  const by = String(loop["stoppedBy"]);
  const what = loop["step"] ? ` step ${String(loop["step"])}` : loop["expression"] ? ` ${String(loop["expression"])}` : "";
  return `stopped by ${by}${what} (${String(loop["reason"])}) after cycle ${String(loop["cycle"])}`;
}

function renderInfo(task: TaskRecord, items: readonly ItemRecord[], runs: readonly RunRecord[], children: readonly TaskRecord[]): string {
  const paths = itemPathMap(items);
  const itemName = (id: string | null): string => (id ? (paths.get(id) ?? id) : "");
  let out =
    field("Name", task.name) +
    field("ID", task.id) +
    field("Project", task.project) +
    field("Origin", task.origin) +
    field("Resource", task.resourceKind && task.resourceName ? `${task.resourceKind.toLowerCase()}/${task.resourceName}${task.resourceGeneration !== null ? ` (generation ${task.resourceGeneration})` : ""}` : "") +
    field("Workflow", workflowOf(task)) +
    field("Workspace", task.workspace) +
    field("Parent", task.parent ? `${task.parent.taskId} (step ${task.parent.step}, depth ${task.parent.depth})` : "") +
    field("Goal", task.goal) +
    field("Phase", task.phase + (task.phase === "Pending" ? (task.queued ? " (queued)" : " (not started)") : "")) +
    field("Cycle", task.cycle) +
    field("Exit code", task.exitCode) +
    field("Reason", outcomeReasonOf(task)) +
    field("Message", task.message) +
    field("Loop", loopLine(task)) +
    field("Claimed by", task.claimedBy) +
    field("Created", task.createdAt) +
    field("Started", task.startedAt) +
    field("Finished", task.finishedAt);
  if (task.spec.steps.length) out += field("Steps", task.spec.steps.join(", "));
  if (Object.keys(task.spec.vars).length) out += field("Vars", Object.entries(task.spec.vars).map(([k, v]) => `${k}=${v}`).join(", "));

  out += `\nItems (${items.length}):\n`;
  if (items.length) {
    const generated = items.some((i) => i.source === "generated");
    const head = generated ? ["ID", "PATH", "LABEL", "SOURCE", "STATUS", "FAILURES"] : ["ID", "PATH", "STATUS", "FAILURES"];
    out += indent(
      renderTable(head, items.map((i) => (generated ? [i.id, i.path || "(task)", i.label ?? "", i.source ?? "static", i.status, String(i.failures)] : [i.id, i.path || "(task)", i.status, String(i.failures)]))),
    );
  }
  if (children.length) {
    out += `\nSpawned tasks (${children.length}):\n`;
    out += indent(renderTable(["ID", "NAME", "WORKFLOW", "PHASE", "STEP"], children.map((c) => [c.id, c.name, c.workflow ?? "", c.phase, c.parent?.step ?? ""])));
  }

  const latest = latestRunPerStep(runs);
  out += `\nSteps (${latest.length}):\n`;
  if (latest.length) {
    out += indent(
      renderTable(
        ["STEP", "ITEM", "STATUS", "CYCLE", "EXIT", "DURATION", "AGENT", "REASON"],
        latest.map((r) => [stepName(r), itemName(r.itemId), r.status, String(r.cycle), r.exitCode === null ? "" : String(r.exitCode), formatDuration(r.durationMs), r.agent ?? "", oneLine(r.reason ?? "")]),
      ),
    );
  }

  const problems = runs.flatMap((r) => captureProblemsOf(r.output).map((p) => `cycle ${r.cycle} step ${stepName(r)}${r.itemId ? ` [${itemName(r.itemId)}]` : ""} (${r.id}): ${p}`));
  if (problems.length) out += `\nCaptures missing (${problems.length}):\n${problems.map((p) => `  ${p}\n`).join("")}`;

  out += `\nRuns (${runs.length}):\n`;
  if (runs.length) {
    out += indent(
      renderTable(
        ["ID", "CYCLE", "STEP", "ITEM", "STATUS", "EXIT", "DURATION", "STARTED", "AGENT", "PROFILE", "REASON"],
        runs.map((r) => [r.id, String(r.cycle), stepName(r), itemName(r.itemId), r.status, r.exitCode === null ? "" : String(r.exitCode), formatDuration(r.durationMs), r.startedAt, r.agent ?? "", runProfileName(r), oneLine(r.reason ?? "")]),
      ),
    );
  }

  const denials = runs.flatMap((r) => runDenials(r).map((d) => [r.id, r.stepId, String(d["reason_code"] ?? ""), oneLine(String(d["message"] ?? ""))]));
  if (denials.length) {
    out += `\nSandbox denials (${denials.length}):\n`;
    out += indent(renderTable(["RUN", "STEP", "REASON CODE", "MESSAGE"], denials));
  }
  return out;
}
