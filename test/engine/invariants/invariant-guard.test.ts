import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { JsonObject } from "../../../src/resources/types.js";
import { InvariantGuard, PINNED_INVARIANTS_KEY, type GuardHooks } from "../../../src/engine/invariants/invariant-guard.js";

interface Recorded {
  events: Array<{ type: string; message: string; data: JsonObject }>;
  logs: string[];
  vars: Record<string, string>;
}

function hooks(): GuardHooks & Recorded {
  const r: Recorded = { events: [], logs: [], vars: {} };
  return { ...r, event: (type, message, data) => r.events.push({ type, message, data }), log: (l) => r.logs.push(l), setVar: (k, v) => (r.vars[k] = v) };
}

const STRICT: JsonObject = {
  invariants: [
    { name: "no_marker", command: "test ! -f marker", on_violation: "halt", protected_files: ["lock"] },
    { name: "soft", command: "test -f never-there", check_at: ["before_complete"], on_violation: "warn" },
  ],
};

describe("invariant guard", () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), "guard-"));
    writeFileSync(join(root, "lock"), "v1\n");
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  /** Pins STRICT as a task's first start would, and returns the state it keeps. */
  function pinnedState(): JsonObject {
    let kept: JsonObject | undefined;
    const h = hooks();
    InvariantGuard.load({}, STRICT, root, h, (record) => (kept = record));
    expect(h.events).toEqual([{ type: "invariants_pinned", message: "2 invariant(s) pinned", data: { invariants: ["no_marker", "soft"], protectedFiles: 1 } }]);
    return { [PINNED_INVARIANTS_KEY]: JSON.parse(JSON.stringify(kept)) as JsonObject };
  }

  it("pins nothing and says nothing for a workflow without invariants", () => {
    const h = hooks();
    let pinned = false;
    const guard = InvariantGuard.load({}, {}, root, h, () => (pinned = true));
    expect(guard.count).toBe(0);
    expect(pinned).toBe(false);
    expect(h.events).toEqual([]);
  });

  it("checks the pinned invariants when the workflow has since dropped them, saying so once", async () => {
    const state = pinnedState();
    const h = hooks();
    let repinned = false;
    const guard = InvariantGuard.load(state, {}, root, h, () => (repinned = true));
    expect(repinned).toBe(false);
    expect(guard.count).toBe(2);
    expect(h.events).toEqual([{ type: "invariants_kept", message: "workflow invariants changed; the pinned ones apply", data: { pinned: ["no_marker", "soft"], workflow: [] } }]);
    writeFileSync(join(root, "marker"), "");
    const verdict = await guard.afterStep({ id: "implement", type: "implement" }, "after step implement");
    expect(verdict).toEqual({ halt: true, rollback: false, message: "invariant 'no_marker' violated after step implement: command exited 1 (expected 0)" });
  });

  it("keeps the protected files' baseline from the start over a resume", async () => {
    const state = pinnedState();
    writeFileSync(join(root, "lock"), "v2\n");
    const guard = InvariantGuard.load(state, STRICT, root, hooks(), () => {});
    const verdict = await guard.afterStep({ id: "other", type: "command" }, "after step other");
    expect(verdict?.message).toBe("invariant 'no_marker' violated after step other: protected file changed: lock (protected_files: lock)");
  });

  it("says nothing when the workflow's invariants are the pinned ones", () => {
    const state = pinnedState();
    const h = hooks();
    InvariantGuard.load(state, STRICT, root, h, () => {});
    expect(h.events).toEqual([]);
  });

  it("records a warn violation without asking the runner to act, and captures stdout", async () => {
    const h = hooks();
    const guard = InvariantGuard.load({}, { invariants: [{ name: "soft", command: "echo seen; exit 3", on_violation: "warn", capture_as: "out", check_at: ["before_complete"] }] }, root, h, () => {});
    expect(await guard.at("before_complete", "before the task completes")).toBeUndefined();
    expect(h.vars).toEqual({ out: "seen" });
    expect(h.events.at(-1)).toMatchObject({ type: "invariant_violated", data: { invariant: "soft", action: "warn", checkpoint: "before_complete" } });
  });
});
