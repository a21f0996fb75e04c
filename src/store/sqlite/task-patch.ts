/**
 * @module What a task patch means beyond its fields: the timestamps and queue
 * membership that follow from a phase change. Pure.
 */
import type { TaskPatch, TaskRecord } from "../task-store.js";
import { displayTextOrNull } from "../display-text.js";
import { isTerminal } from "./task-events.js";

/**
 * The task after `patch`. On a phase change, unless the patch says otherwise:
 * entering Running sets startedAt (once); entering a terminal phase sets
 * finishedAt; leaving a terminal phase clears finishedAt and exitCode (a
 * retry); entering Paused or a terminal phase takes the task off the queue,
 * so no worker claims a cancelled task.
 */
export function applyTaskPatch(before: TaskRecord, patch: TaskPatch, now: string): TaskRecord {
  const after: TaskRecord = { ...before, ...given(patch), updatedAt: now };
  // As both stores keep it, so the record returned is the one read back.
  after.message = displayTextOrNull(after.message);
  const to = patch.phase;
  if (to === undefined || to === before.phase) return after;
  if (to === "Running" && patch.startedAt === undefined && after.startedAt === null) after.startedAt = now;
  if (isTerminal(to)) {
    if (patch.finishedAt === undefined) after.finishedAt = now;
  } else if (isTerminal(before.phase)) {
    if (patch.finishedAt === undefined) after.finishedAt = null;
    if (patch.exitCode === undefined) after.exitCode = null;
  }
  if ((to === "Paused" || isTerminal(to)) && patch.queued === undefined) after.queued = false;
  return after;
}

/** The fields a patch gives: an explicit `undefined` means "not given", as for optional fields. */
function given(patch: TaskPatch): TaskPatch {
  return Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) as TaskPatch;
}

/** A task column a patch may set, as `UPDATE tasks SET` names it, with its stored value. */
export interface PatchColumn {
  column: "claimed_by" | "cycle" | "state" | "exit_code" | "message" | "started_at" | "finished_at";
  value: string | number | null;
}

/**
 * The columns a patch sets when it changes neither phase nor queue
 * membership: then nothing follows from the row as it was (no timestamps,
 * no events), and a store may write it without reading the row first.
 * Undefined for a patch that changes either.
 */
export function plainPatchColumns(patch: TaskPatch): PatchColumn[] | undefined {
  const p = given(patch);
  if (p.phase !== undefined || p.queued !== undefined) return undefined;
  const out: PatchColumn[] = [];
  if (p.claimedBy !== undefined) out.push({ column: "claimed_by", value: p.claimedBy });
  if (p.cycle !== undefined) out.push({ column: "cycle", value: p.cycle });
  if (p.state !== undefined) out.push({ column: "state", value: JSON.stringify(p.state) });
  if (p.exitCode !== undefined) out.push({ column: "exit_code", value: p.exitCode });
  if (p.message !== undefined) out.push({ column: "message", value: p.message });
  if (p.startedAt !== undefined) out.push({ column: "started_at", value: p.startedAt });
  if (p.finishedAt !== undefined) out.push({ column: "finished_at", value: p.finishedAt });
  return out;
}
