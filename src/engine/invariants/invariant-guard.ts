/**
 * @module Invariants while a task runs. They are pinned when the task first
 * starts: the list is copied into the task's state with a baseline of the
 * protected files, and that copy is what every later check reads, so a
 * workflow changed while the task runs (or between a pause and a resume)
 * cannot weaken them. Checks run at the cycle start (`before_cycle`), after
 * the steps an invariant names (`after_implement`, `checkpoint_filter`),
 * before `self_restart` (`before_restart`) and before the task completes
 * (`before_complete`); protected files are checked after every step that
 * ran. A violation is an `invariant_violated` event; `warn` goes on, `halt`
 * and `rollback` are returned for the runner to act on.
 */
import type { JsonObject, JsonValue } from "../../resources/types.js";
import { checkInvariant } from "./check-invariant.js";
import { checkedAfterStep, invariantsOf, type CheckPoint, type Invariant } from "./invariant-spec.js";
import { protectedBaseline, type FileBaseline } from "./protected-files.js";

/** Where in a task's state the pinned invariants live. */
export const PINNED_INVARIANTS_KEY = "invariants";

interface Pinned {
  list: Invariant[];
  baseline: FileBaseline;
  pinnedAt: string;
}

export interface Violation {
  invariant: string;
  point: CheckPoint | "after_step";
  action: Invariant["onViolation"];
  message: string;
}

/** What the runner must do after a check. */
export interface Verdict {
  halt: boolean;
  rollback: boolean;
  /** The violations that asked for it, as one line. */
  message: string;
}

export interface GuardHooks {
  event: (type: string, message: string, data: JsonObject) => void;
  log: (line: string) => void;
  /** Sets a task variable (`capture_as`). */
  setVar: (name: string, value: string) => void;
  signal?: AbortSignal;
}

export class InvariantGuard {
  private constructor(
    private readonly pinned: Pinned,
    private readonly root: string,
    private readonly hooks: GuardHooks,
  ) {}

  /**
   * The task's pinned invariants, pinning the workflow's now when the task
   * has none yet. `pin` is called with what to keep in the task's state.
   */
  static load(state: JsonObject, safety: JsonObject | undefined, root: string, hooks: GuardHooks, pin: (record: JsonObject) => void): InvariantGuard {
    const saved = state[PINNED_INVARIANTS_KEY];
    const current = invariantsOf(safety);
    if (saved && typeof saved === "object" && !Array.isArray(saved) && Array.isArray(saved["list"])) {
      const pinned = saved as unknown as Pinned;
      if (JSON.stringify(current) !== JSON.stringify(pinned.list)) {
        hooks.log(`the workflow's safety.invariants changed since the task started; the ${pinned.list.length} pinned at ${pinned.pinnedAt} still apply`);
        hooks.event("invariants_kept", "workflow invariants changed; the pinned ones apply", { pinned: pinned.list.map((i) => i.name), workflow: current.map((i) => i.name) });
      }
      return new InvariantGuard(pinned, root, hooks);
    }
    const pinned: Pinned = { list: current, baseline: protectedBaseline(root, current.flatMap((i) => i.protectedFiles)), pinnedAt: new Date().toISOString() };
    if (current.length) {
      pin(pinned as unknown as JsonObject);
      hooks.event("invariants_pinned", `${current.length} invariant(s) pinned`, { invariants: current.map((i) => i.name), protectedFiles: Object.keys(pinned.baseline).length });
    }
    return new InvariantGuard(pinned, root, hooks);
  }

  get count(): number {
    return this.pinned.list.length;
  }

  /** Checks the invariants of a check point. */
  async at(point: CheckPoint, where: string = point): Promise<Verdict | undefined> {
    return this.check(this.pinned.list.filter((i) => i.checkAt.includes(point)), point, where, false);
  }

  /**
   * After a step ran: the commands of the invariants checked after it, and
   * the protected files of every invariant.
   */
  async afterStep(step: { id: string; type: string }, where: string): Promise<Verdict | undefined> {
    const commands = this.pinned.list.filter((i) => checkedAfterStep(i, step));
    const filesOnly = this.pinned.list.filter((i) => i.protectedFiles.length > 0 && !commands.includes(i));
    const a = await this.check(commands, "after_step", where, false);
    const b = await this.check(filesOnly, "after_step", where, true);
    if (!a) return b;
    if (!b) return a;
    return { halt: a.halt || b.halt, rollback: a.rollback || b.rollback, message: `${a.message}; ${b.message}` };
  }

  private async check(list: readonly Invariant[], point: Violation["point"], where: string, filesOnly: boolean): Promise<Verdict | undefined> {
    const violations: Violation[] = [];
    for (const inv of list) {
      const r = await checkInvariant(inv, this.root, this.pinned.baseline, { filesOnly, ...(this.hooks.signal ? { signal: this.hooks.signal } : {}) });
      if (inv.captureAs && r.stdout !== undefined) this.hooks.setVar(inv.captureAs, r.stdout);
      if (r.passed) continue;
      const v: Violation = { invariant: inv.name, point, action: inv.onViolation, message: r.message };
      violations.push(v);
      const text = `invariant '${inv.name}' violated ${where}: ${r.message}`;
      this.hooks.log(`${text} (on_violation: ${inv.onViolation})`);
      const data: Record<string, JsonValue> = { invariant: inv.name, checkpoint: point, where, action: inv.onViolation, message: r.message };
      this.hooks.event("invariant_violated", text, data);
    }
    const acting = violations.filter((v) => v.action !== "warn");
    if (acting.length === 0) return undefined;
    return {
      halt: acting.some((v) => v.action === "halt"),
      rollback: acting.some((v) => v.action === "rollback"),
      message: acting.map((v) => `invariant '${v.invariant}' violated ${where}: ${v.message}`).join("; "),
    };
  }
}
