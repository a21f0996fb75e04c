import { spawn, type ChildProcess } from "node:child_process";
import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, describe, expect, it } from "vitest";
import { CLI, initializedProject } from "../support/cli.js";

const agent = (name: string, command = "echo hi") =>
  `apiVersion: orchestrator.dev/v2\nkind: Agent\nmetadata:\n  name: ${name}\nspec:\n  capabilities: [x]\n  command: ${command}\n`;

interface Watching {
  child: ChildProcess;
  out: () => string;
  err: () => string;
  until(what: string, test: () => boolean, timeoutMs?: number): Promise<void>;
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
    async until(what, test, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      while (!test()) {
        if (child.exitCode !== null) throw new Error(`watch exited (${child.exitCode}) before ${what}:\n${out}\n${err}`);
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}:\n${out}\n${err}`);
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
    expect(JSON.parse(p.run(["source", "list", "-o", "json"]).stdout).sources.map((s: { name: string }) => s.name)).toEqual(["default", "watch-local"]);
  });
});
