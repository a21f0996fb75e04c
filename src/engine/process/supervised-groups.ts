/**
 * @module The step process groups an engine process has running, as the
 * process-host helper keeps them: when the engine dies, the helper ends
 * them all, so no step runs on without anyone to record how it ends.
 * A step is known before it starts (by the run id in its environment) and
 * by its process group once it has one, so a step caught between the two
 * is found as well.
 */
import { appendFileSync } from "node:fs";
import { setTimeout as delay } from "node:timers/promises";
// Node built-ins and process-group.js only: the helper watches steps from the moment it starts, before it loads anything heavier.
import { isProcessGroupAlive, killProcessGroup, processGroupsWithEnv, RUN_ID_ENV, type KillSignal } from "./process-group.js";

interface Supervised {
  /** `ORCHESTRATOR_RUN_ID` of the command, when it has one. */
  runId?: string;
  pgid?: number;
  /** Its log, told why it ends when nobody else is left to tell it. */
  logPath?: string;
}

export interface ExpectedCommand {
  runId?: string;
  logPath?: string;
}

/** How often the groups are looked at while they are being ended. */
const SWEEP_MS = 50;

export class SupervisedGroups {
  private readonly entries = new Map<string, Supervised>();

  /** A command is about to be started. */
  expect(key: string, command: ExpectedCommand = {}): void {
    this.entries.set(key, { ...command });
  }

  /** The command started, leading group `pgid`. */
  started(key: string, pgid: number): void {
    const e = this.entries.get(key);
    if (e) e.pgid = pgid;
    else this.entries.set(key, { pgid });
  }

  /** The command ended (or never started): nothing left to end. */
  release(key: string): void {
    this.entries.delete(key);
  }

  get size(): number {
    return this.entries.size;
  }

  /**
   * SIGTERM to every group, SIGKILL to what is left after `graceMs`. A
   * command expected but without a group yet may be between fork and exec:
   * its environment is looked for again until the grace period ends.
   */
  async endAll(graceMs: number): Promise<void> {
    if (this.entries.size === 0) return;
    const deadline = Date.now() + graceMs;
    const termed = new Set<number>();
    const pendingStart = (): boolean => [...this.entries.values()].some((e) => e.pgid === undefined && e.runId !== undefined);
    let groups = this.sweep("SIGTERM", termed);
    for (const e of this.entries.values()) {
      if (e.logPath) note(e.logPath, `the engine process running this step stopped; stopping the step's processes${e.pgid ? ` (process group ${e.pgid})` : ""}`);
    }
    while (Date.now() < deadline) {
      if (!pendingStart() && groups.every((g) => !isProcessGroupAlive(g))) return;
      await delay(SWEEP_MS);
      groups = this.sweep("SIGTERM", termed);
    }
    this.sweep("SIGKILL", termed);
  }

  /** Signals every group known or found by run id (SIGTERM once per group); returns them. */
  private sweep(signal: KillSignal, termed: Set<number>): number[] {
    const groups = new Set<number>();
    const send = (g: number): void => {
      groups.add(g);
      if (signal === "SIGTERM" && termed.has(g)) return;
      termed.add(g);
      try {
        killProcessGroup(g, signal);
      } catch {
        // Not ours to signal, or gone.
      }
    };
    // Known groups first: looking through /proc takes a while.
    for (const e of this.entries.values()) if (e.pgid !== undefined) send(e.pgid);
    for (const e of this.entries.values()) {
      if (e.runId !== undefined) for (const g of processGroupsWithEnv(RUN_ID_ENV, e.runId)) send(g);
    }
    return [...groups];
  }
}

function note(logPath: string, message: string): void {
  try {
    appendFileSync(logPath, `\n[orchestrator] ${message}\n`);
  } catch {
    // The log is best effort here; the next controller records the run as interrupted.
  }
}
