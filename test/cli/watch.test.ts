import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, describe, expect, it } from "vitest";
import { docs, task, workflow, workspace } from "../reconcile/support/manifests.js";
import { CLI, initializedProject } from "../support/cli.js";
import { lookSafely, startController, tail } from "../support/controller.js";

const agent = (name: string, command = "echo hi") =>
  `apiVersion: orchestrator.dev/v2\nkind: Agent\nmetadata:\n  name: ${name}\nspec:\n  capabilities: [x]\n  command: ${command}\n`;

interface Watching {
  child: ChildProcess;
  out: () => string;
  err: () => string;
  /** `seen` adds what else the condition looked at (beyond watch's own output) to a timeout's message. */
  until(what: string, test: () => boolean, timeoutMs?: number, seen?: () => string): Promise<void>;
}

function startWatch(cwd: string, args: string[] = []): Watching {
  const child = spawn(process.execPath, [CLI, "watch", ...args], { cwd, env: { ...process.env, NO_COLOR: "1" }, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stdout!.on("data", (d) => (out += d));
  child.stderr!.on("data", (d) => (err += d));
  return {
    child,
    out: () => out,
    err: () => err,
    async until(what, test, timeoutMs = 60_000, seen) {
      const deadline = Date.now() + timeoutMs;
      while (!test()) {
        if (child.exitCode !== null) throw new Error(`watch exited (${child.exitCode}) before ${what}:\n${out}\n${err}`);
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}:\n${out}\n${err}${seen ? `\nlast seen: ${lookSafely(seen)}` : ""}`);
        await sleep(25);
      }
    },
  };
}

async function stop(w: Watching): Promise<number | null> {
  w.child.kill("SIGINT");
  await new Promise((r) => (w.child.exitCode !== null ? r(null) : w.child.once("exit", r)));
  return w.child.exitCode;
}

describe("orchestrator watch", () => {
  let p: ReturnType<typeof initializedProject>;
  let w: Watching | undefined;
  afterEach(async () => {
    if (w && w.child.exitCode === null) await stop(w);
    w = undefined;
    p?.cleanup();
  });

  it("applies on every save; a broken save applies nothing and says where; the fix is applied; Ctrl-C exits 0", async () => {
    p = initializedProject({ "manifests/a.yaml": agent("a") });
    w = startWatch(p.dir);
    await w.until("the first pass", () => w!.out().includes("source default: Applied revision"));
    expect(w.out()).toMatch(/\[\d\d:\d\d:\d\d\] agent\/a created\n/);

    p.write("manifests/a.yaml", agent("a", "echo second"));
    await w.until("the edit", () => w!.out().includes("agent/a configured"));
    expect(JSON.parse(p.run(["get", "agent", "a", "-o", "json"]).stdout).spec.command).toBe("echo second");

    p.write("manifests/a.yaml", agent("a", "echo third") + "---\napiVersion: orchestrator.dev/v2\nkind: Agent\nmetadata:\n  name: b\nspec:\n  capabilities: [x]\n  command: [not, a, string]\n");
    await w.until("the error", () => w!.err().includes("ValidationFailed"));
    expect(w.err()).toContain("agent/b: spec.command");
    expect(w.err()).toContain("(a.yaml:15:");
    expect(JSON.parse(p.run(["get", "agent", "a", "-o", "json"]).stdout).spec.command).toBe("echo second");
    expect(p.run(["get", "agent", "b"]).code).not.toBe(0);

    p.write("manifests/a.yaml", agent("a", "echo fixed") + "---\n" + agent("b"));
    await w.until("the fix", () => w!.out().includes("agent/b created"));
    expect(JSON.parse(p.run(["get", "agent", "a", "-o", "json"]).stdout).spec.command).toBe("echo fixed");

    expect(await stop(w)).toBe(0);
  });

  it("watches a directory no source reads as a new source, and prunes what leaves it", async () => {
    p = initializedProject({ "local/a.yaml": agent("a") + "---\n" + agent("b") });
    w = startWatch(p.dir, ["local"]);
    await w.until("the first pass", () => w!.out().includes("source watch-local: Applied revision"));
    expect(w.err()).toContain("added source watch-local for local");
    p.write("local/a.yaml", agent("a"));
    await w.until("the prune", () => w!.out().includes("agent/b pruned"));
    expect(await stop(w)).toBe(0);
    expect(JSON.parse(p.run(["source", "list", "-o", "json"]).stdout).items.map((s: { metadata: { name: string } }) => s.metadata.name)).toEqual(["default", "watch-local"]);
  });

  it("runs a Task that appears in the watched files inside watch when no controller runs, once per generation", async () => {
    p = initializedProject({ "manifests/base.yaml": docs(workspace("ws"), workflow("wf", "echo ran >> ran.log")) });
    w = startWatch(p.dir);
    await w.until("the first pass", () => w!.out().includes("source default: Applied revision"));
    p.write("manifests/task.yaml", task("t1"));
    await w.until("the task to complete", () => w!.err().includes("(t1) completed"));
    expect(readFileSync(join(p.dir, "ran.log"), "utf8")).toBe("ran\n");
    const [record] = JSON.parse(p.run(["task", "list", "-o", "json"]).stdout).items as { name: string; phase: string }[];
    expect(record).toMatchObject({ name: "t1", phase: "Completed" });
    // An unrelated save is not a new generation.
    p.write("manifests/base.yaml", docs(workspace("ws"), workflow("wf", "echo ran >> ran.log")) + "# touched\n");
    p.write("manifests/task.yaml", task("t1", "again"));
    await w.until("the second generation", () => w!.err().split("(t1) completed").length === 3);
    expect(readFileSync(join(p.dir, "ran.log"), "utf8")).toBe("ran\nran\n");
    expect(await stop(w)).toBe(0);
  });

  it("leaves Tasks to the controller when one runs", async () => {
    p = initializedProject({ "manifests/base.yaml": docs(workspace("ws"), workflow("wf")) });
    const controller = await startController(p.dir);
    try {
      w = startWatch(p.dir);
      await w.until("the first pass", () => w!.out().includes("source default: Applied revision") || w!.out().includes("up to date"));
      expect(w.err()).toContain("a controller is running");
      p.write("manifests/task.yaml", task("t1"));
      await w.until("the controller to run it", () => controller.log().includes("(t1) claimed") && controller.log().includes("completed"), undefined, () => `controller log: ${tail(controller.log())}`);
      expect(w.err()).not.toContain("(t1) completed");
    } finally {
      await controller.stop();
    }
  });
});
