/**
 * kill -9 of the controller at random moments, 20 times over, with two
 * tasks running side by side (one step inline, one on the helper process):
 * no step ever runs beside a copy of itself, every step process a dead
 * controller left is ended, and every task completes.
 *
 * Steps finish only when this test releases them, and it releases only
 * steps whose parent chain leads to the controller running now: a step
 * left behind by a dead controller can never finish, so it must be ended.
 * A step holds a lock (flock) on its name while it runs; a second copy
 * that finds it taken writes `overlap`.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, describe, expect, it } from "vitest";
import { killProcessGroup } from "../../src/engine/process/process-group.js";
import { initializedProject } from "../support/cli.js";
import { startController, stopAndRemove, until, type RunningController } from "../support/controller.js";

const KILLS = 20;
const STEPS = ["a", "b", "c", "d"];

// Each copy of a step is "<pid>.<start time>": pids are reused on a busy machine.
const STEP_SCRIPT = `name=$1
me="$$.$(date +%s%N)"
exec 9>"locks/$name"
if ! flock -n 9; then echo "overlap $name $me" >> marks; fi
echo "start $name $me" >> marks
while [ ! -e "release/$me" ]; do sleep 0.05; done
echo "end $name $me" >> marks
`;

function workflow(name: string): string {
  const steps = STEPS.map((s) => `    - id: ${s}\n      command: sh ./step.sh ${name}-${s}\n`).join("");
  return `apiVersion: orchestrator.dev/v2\nkind: Workflow\nmetadata:\n  name: ${name}\nspec:\n  steps:\n${steps}`;
}

const MANIFEST = `apiVersion: orchestrator.dev/v2\nkind: Workspace\nmetadata:\n  name: w\nspec:\n  root_path: "."\n---\n${workflow("w1")}---\n${workflow("w2")}`;

interface Stat {
  ppid: number;
  pgrp: number;
  state: string;
}

function stat(pid: number): Stat | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    const rest = text.slice(text.lastIndexOf(")") + 2).split(" ");
    return { state: rest[0]!, ppid: Number(rest[1]), pgrp: Number(rest[2]) };
  } catch {
    return undefined;
  }
}

/** The step shell `pid` still runs (a process that reused its pid is not it). */
const alive = (pid: number): boolean => {
  const s = stat(pid);
  if (s === undefined || s.state === "Z" || s.state === "X") return false;
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("step.sh");
  } catch {
    return false;
  }
};

/** True when `ancestor` is `pid`'s parent, grandparent, ... (the controller, or its helper under it). */
function descendsFrom(pid: number, ancestor: number): boolean {
  let p = pid;
  for (let depth = 0; depth < 8; depth++) {
    const s = stat(p);
    if (!s || s.ppid <= 1) return false;
    if (s.ppid === ancestor) return true;
    p = s.ppid;
  }
  return false;
}

interface Mark {
  kind: "start" | "end" | "overlap";
  name: string;
  /** `<pid>.<start time>`: one copy of a step. */
  copy: string;
  pid: number;
}

describe("the controller dying", () => {
  let project: ReturnType<typeof initializedProject> | undefined;
  let controller: RunningController | undefined;
  const groups = new Set<number>();

  afterEach(async () => {
    for (const g of groups) {
      try {
        killProcessGroup(g, "SIGKILL");
      } catch {
        // gone
      }
    }
    groups.clear();
    await stopAndRemove(controller, project);
    controller = project = undefined;
  });

  it(
    `ends every step it ran, and no step runs twice at once, across ${KILLS} kill -9s at random moments`,
    async () => {
      project = initializedProject({ "m.yaml": MANIFEST, "step.sh": STEP_SCRIPT });
      const dir = project.dir;
      mkdirSync(join(dir, "locks"));
      mkdirSync(join(dir, "release"));
      expect(project.run(["apply", "-f", "m.yaml"]).code).toBe(0);
      const ids = ["w1", "w2"].map((wf) => project!.run(["task", "create", "--workflow", wf, "--no-daemon"]).stdout.trim());

      const marks = (): Mark[] => {
        const file = join(dir, "marks");
        if (!existsSync(file)) return [];
        return readFileSync(file, "utf8")
          .split("\n")
          .filter((l) => l !== "")
          .map((l) => {
            const [kind, name, copy] = l.split(" ");
            return { kind: kind as Mark["kind"], name: name!, copy: copy!, pid: Number(copy!.split(".")[0]) };
          });
      };
      /** Copies of steps seen running, each with when it may be released. */
      const releaseAt = new Map<string, number>();
      const released = new Set<string>();
      const ended = (): Set<string> => new Set(marks().filter((m) => m.kind === "end").map((m) => m.copy));

      /** Releases the current controller's steps once they have run a little; remembers every group seen. */
      const releaseDue = (controllerPid: number): void => {
        const done = ended();
        for (const m of marks()) {
          if (m.kind !== "start" || done.has(m.copy) || released.has(m.copy) || !alive(m.pid)) continue;
          const s = stat(m.pid);
          if (s) groups.add(s.pgrp);
          if (!descendsFrom(m.pid, controllerPid)) continue;
          if (!releaseAt.has(m.copy)) releaseAt.set(m.copy, Date.now() + 50 + Math.random() * 500);
          if (Date.now() >= releaseAt.get(m.copy)!) {
            writeFileSync(join(dir, "release", m.copy), "");
            released.add(m.copy);
          }
        }
      };
      /** Copies of steps that have not ended and have no live controller above them. */
      const orphans = (liveController?: number): Mark[] => {
        const done = ended();
        return marks()
          .filter((m) => m.kind === "start" && !done.has(m.copy) && alive(m.pid))
          .filter((m) => liveController === undefined || !descendsFrom(m.pid, liveController));
      };
      const orphansLeft = (liveController?: number): string | false => {
        const left = orphans(liveController);
        return left.length > 0 && `still running: ${left.map((m) => `${m.name} (${m.copy})`).join(", ")}`;
      };

      for (let kill = 0; kill < KILLS; kill++) {
        controller = await startController(dir, ["--workers", "2"]);
        const pid = controller.child.pid!;
        const killAt = Date.now() + Math.random() * 1500;
        while (Date.now() < killAt) {
          releaseDue(pid);
          await sleep(20);
        }
        const exited = new Promise((r) => controller!.child.once("exit", r));
        controller.child.kill("SIGKILL");
        await exited;
        controller = undefined;
        // Every other time the next controller starts at once, racing the helper that ends the dead one's steps.
        if (kill % 2 === 0) {
          await until(`the steps of killed controller #${kill + 1} to end`, () => orphans().length === 0, 30_000).catch((err: Error) => {
            throw new Error(`${err.message}; ${orphansLeft()}\nmarks:\n${readFileSync(join(dir, "marks"), "utf8")}`);
          });
        }
      }

      controller = await startController(dir, ["--workers", "2"]);
      const pid = controller.child.pid!;
      const phases = (): string[] => ids.map((id) => (JSON.parse(project!.run(["task", "info", id, "-o", "json"]).stdout) as { task: { phase: string } }).task.phase);
      await until(
        "every task to complete",
        () => {
          releaseDue(pid);
          return phases().every((p) => p === "Completed");
        },
        180_000,
        () => {
          const bad = phases().filter((p) => p === "Failed" || p === "Cancelled");
          return bad.length > 0 && `a task ended ${bad.join(", ")}:\n${controller!.log()}`;
        },
      );
      await until("no step of a dead controller to be left", () => orphans(pid).length === 0, 30_000).catch((err: Error) => {
        throw new Error(`${err.message}; ${orphansLeft(pid)}`);
      });

      const all = marks();
      const log = readFileSync(join(dir, "marks"), "utf8");
      expect(all.filter((m) => m.kind === "overlap"), log).toEqual([]);
      // Every step finished at least once; only released steps (a live controller's) ever finish.
      for (const wf of ["w1", "w2"]) for (const s of STEPS) expect(all.some((m) => m.kind === "end" && m.name === `${wf}-${s}`), log).toBe(true);
      for (const m of all.filter((x) => x.kind === "end")) expect(released.has(m.copy), log).toBe(true);
      // Each start either ended or was ended: nothing is still running.
      const done = ended();
      expect(all.filter((m) => m.kind === "start" && !done.has(m.copy) && alive(m.pid)), log).toEqual([]);
    },
    360_000,
  );
});
