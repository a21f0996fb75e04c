/**
 * `orchestratord --foreground --workers 2`, as the docs start the controller:
 * from a checkout (`bin/orchestratord`) and as `npm install -g` lays the
 * package out (its `bin` entry linked from a prefix's bin/ into the packed
 * files), each running a queued task with two workers.
 */
import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, readFileSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { initializedProject, REPO_ROOT, tempProject } from "../support/cli.js";
import { ORCHESTRATORD, startControllerCommand, stopAndRemove, tail, tasksNamed, until, type RunningController } from "../support/controller.js";

const MANIFESTS = `apiVersion: orchestrator.dev/v2
kind: Workspace
metadata:
  name: ws
spec:
  root_path: "."
---
apiVersion: orchestrator.dev/v2
kind: Workflow
metadata:
  name: wf
spec:
  steps:
    - id: hello
      command: echo hello from the controller > hello.txt
`;

type Project = ReturnType<typeof initializedProject>;

/** Queues a task, and expects the controller to say it has two workers and to run the task. */
async function runsATask(p: Project, controller: RunningController): Promise<void> {
  expect(controller.log()).toMatch(/controller started \(pid \d+, 2 worker\(s\)/);
  const created = p.run(["task", "create", "--name", "hello", "--no-daemon"]);
  expect(created.code, created.stderr).toBe(0);
  await until("the task to complete", () => tasksNamed(p, "hello").some((t) => t.phase === "Completed"), 60_000, () => controller.child.exitCode !== null && controller.log(), () => `tasks named hello: ${JSON.stringify(tasksNamed(p, "hello").map((t) => [t.id, t.phase, t["message"]]))}; controller log: ${tail(controller.log())}`);
  expect(readFileSync(join(p.dir, "hello.txt"), "utf8")).toBe("hello from the controller\n");
  expect(await controller.stop()).toBe(0);
}

describe("orchestratord --foreground --workers 2", { timeout: 120_000 }, () => {
  let p: Project | undefined;
  let controller: RunningController | undefined;
  let pack: ReturnType<typeof tempProject> | undefined;
  afterEach(async () => {
    await stopAndRemove(controller, p);
    pack?.cleanup();
    controller = p = pack = undefined;
  });

  it("runs from a checkout as bin/orchestratord, also through a symlink on the PATH", async () => {
    p = initializedProject({ "m.yaml": MANIFESTS });
    expect(p.run(["apply", "-f", "m.yaml"]).code).toBe(0);
    const bin = join(p.dir, "bin");
    mkdirSync(bin);
    symlinkSync(ORCHESTRATORD, join(bin, "orchestratord"));
    controller = await startControllerCommand(p.dir, [join(bin, "orchestratord"), "--foreground", "--workers", "2"]);
    await runsATask(p, controller);
  });

  it("names itself in its help: `orchestratord --help` is the controller's help under its own name", () => {
    const help = spawnSync(ORCHESTRATORD, ["--help"], { encoding: "utf8" });
    expect(help.status, help.stderr).toBe(0);
    expect(help.stdout).toMatch(/^Usage: orchestratord \[options\]\n/);
    expect(help.stdout).toContain("--workers <n>");
  });

  it("runs as the package's bin entry, installed from the packed tarball", async () => {
    pack = tempProject();
    const packed = spawnSync("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", pack.dir], { cwd: REPO_ROOT, encoding: "utf8" });
    expect(packed.status, packed.stderr).toBe(0);
    const [{ filename, files }] = JSON.parse(packed.stdout) as [{ filename: string; files: { path: string }[] }];
    const pkg = JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as { name: string; bin: Record<string, string> };
    expect(Object.keys(pkg.bin)).toEqual(expect.arrayContaining(["orchestrator", "orchestratord"]));
    for (const target of Object.values(pkg.bin)) expect(files.map((f) => f.path)).toContain(target);

    // The layout `npm install -g --prefix P` makes: the package under P/lib/node_modules, its bins linked from P/bin
    // (made executable, as npm does). Its dependencies are this checkout's, already built.
    const prefix = join(pack.dir, "prefix");
    const installed = join(prefix, "lib/node_modules", pkg.name);
    mkdirSync(installed, { recursive: true });
    const untar = spawnSync("tar", ["-xzf", join(pack.dir, filename), "-C", installed, "--strip-components=1"], { encoding: "utf8" });
    expect(untar.status, untar.stderr).toBe(0);
    symlinkSync(join(REPO_ROOT, "node_modules"), join(installed, "node_modules"));
    mkdirSync(join(prefix, "bin"));
    for (const [name, target] of Object.entries(pkg.bin)) {
      chmodSync(join(installed, target), 0o755);
      symlinkSync(join("../lib/node_modules", pkg.name, target), join(prefix, "bin", name));
    }

    p = initializedProject({ "m.yaml": MANIFESTS });
    expect(p.run(["apply", "-f", "m.yaml"]).code).toBe(0);
    const env = { PATH: `${join(prefix, "bin")}:${process.env["PATH"] ?? ""}` };
    const version = spawnSync("orchestrator", ["version"], { cwd: p.dir, env: { ...process.env, ...env }, encoding: "utf8" });
    expect(version.status, version.stderr).toBe(0);
    controller = await startControllerCommand(p.dir, ["orchestratord", "--foreground", "--workers", "2"], env);
    await runsATask(p, controller);
  });
});
