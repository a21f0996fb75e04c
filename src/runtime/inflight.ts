/**
 * @module Waiting for a step a stopped controller left running, before the
 * task's next controller ends it and runs the step again
 * (`safety.inflight_wait_timeout_secs`, `safety.inflight_heartbeat_grace_secs`
 * of the task's Workflow). Two copies of a step never run at once either
 * way; the wait gives work that is nearly done the chance to finish what it
 * writes (files, a commit) instead of being killed half-way. The step is
 * waited for while it shows signs of life — its process group used CPU time,
 * or its log grew — within the grace period, and for at most the timeout.
 * Without the settings it is ended at once.
 */
import { readFileSync, readdirSync, statSync } from "node:fs";
import { setTimeout as delay } from "node:timers/promises";
import { isProcessGroupAlive } from "../engine/process/process-group.js";
import { resolveWorkflowSpec } from "../engine/runner/task-context.js";
import type { Store } from "../store/store.js";
import type { RunRecord, TaskRecord } from "../store/task-store.js";

export interface InflightSettings {
  timeoutSecs: number;
  /** Silence longer than this ends the wait early; 0: no heartbeat is asked for. */
  graceSecs: number;
}

export type InflightOutcome = "not-waited" | "finished" | "silent" | "timed-out";

/** The task's workflow settings, or undefined when it sets no wait (or its workflow is gone). */
export function inflightSettings(store: Store, task: TaskRecord): InflightSettings | undefined {
  let safety: Record<string, unknown>;
  try {
    safety = resolveWorkflowSpec(store, task).spec.safety ?? {};
  } catch {
    return undefined;
  }
  const timeout = safety["inflight_wait_timeout_secs"];
  if (typeof timeout !== "number" || timeout <= 0) return undefined;
  const grace = safety["inflight_heartbeat_grace_secs"];
  return { timeoutSecs: timeout, graceSecs: typeof grace === "number" && grace > 0 ? grace : 0 };
}

/** Waits for the run's process group to end on its own, as the settings allow; says how the wait ended. */
export async function waitForInflight(run: Pick<RunRecord, "pgid" | "logPath">, settings: InflightSettings | undefined, pollMs = 200): Promise<InflightOutcome> {
  const pgid = run.pgid;
  if (!settings || !pgid || !isProcessGroupAlive(pgid)) return "not-waited";
  const deadline = Date.now() + settings.timeoutSecs * 1000;
  let beat = { cpu: groupCpuTicks(pgid), log: logSize(run.logPath), at: Date.now() };
  for (;;) {
    if (!isProcessGroupAlive(pgid)) return "finished";
    const now = Date.now();
    const cpu = groupCpuTicks(pgid);
    const log = logSize(run.logPath);
    if (cpu !== beat.cpu || log !== beat.log) beat = { cpu, log, at: now };
    if (settings.graceSecs > 0 && now - beat.at > settings.graceSecs * 1000) return "silent";
    if (now >= deadline) return "timed-out";
    await delay(pollMs);
  }
}

function logSize(path: string | null): number {
  if (!path) return 0;
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

/** User plus system CPU ticks of every process in the group (from /proc; 0 where there is none). */
function groupCpuTicks(pgid: number): number {
  let names: string[];
  try {
    names = readdirSync("/proc");
  } catch {
    return 0;
  }
  let ticks = 0;
  for (const name of names) {
    if (!/^\d+$/.test(name)) continue;
    let text: string;
    try {
      text = readFileSync(`/proc/${name}/stat`, "utf8");
    } catch {
      continue;
    }
    // Fields after the command name: state ppid pgrp ... utime (14th overall) stime (15th).
    const rest = text.slice(text.lastIndexOf(")") + 2).split(" ");
    if (Number(rest[2]) !== pgid) continue;
    ticks += Number(rest[11]) + Number(rest[12]);
  }
  return ticks;
}
