/**
 * End to end through the built CLI: every field of an ExecutionProfile holds
 * under real bubblewrap, against a real HTTP server on 127.0.0.1, real files
 * and real limits; a host that cannot enforce a profile fails the step
 * without running it.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { initializedProject } from "../support/cli.js";

type Project = ReturnType<typeof initializedProject>;

interface RunJson {
  step: string;
  status: string;
  exitCode: number | null;
  reason: string | null;
  profile: { name: string; declared: boolean; mode: string; enforced?: Array<{ field: string }> } | null;
  denials: Array<{ reason_code: string; message: string; source: string; target?: string; path?: string; limit?: string }>;
}

/** The interpreter itself, not a version manager's shim (a shim forks, which a process limit counts). */
const PYTHON = spawnSync("python3", ["-c", "import sys; print(sys.executable)"], { encoding: "utf8" }).stdout.trim();

const doc = (kind: string, name: string, spec: string): string => `---\napiVersion: orchestrator.dev/v2\nkind: ${kind}\nmetadata:\n  name: ${name}\nspec:\n${spec}`;
const workflow = (name: string, steps: Array<{ id: string; command: string; profile?: string }>): string =>
  doc(
    "Workflow",
    name,
    `  safety: {max_consecutive_failures: 100}\n  steps:\n${steps.map((s) => `    - id: ${s.id}\n      command: ${JSON.stringify(s.command)}\n${s.profile ? `      execution_profile: ${s.profile}\n` : ""}`).join("")}  loop: {mode: once}\n`,
  );
/** Python code in single quotes for the shell: the code itself uses double quotes only. */
const py = (code: string): string => `${PYTHON} -c '${code}'`;

function manifests(port: number, closedPort: number): string {
  const fetch = (p: number, path = "ok.txt"): string => py(`import urllib.request; print(urllib.request.urlopen("http://127.0.0.1:${p}/${path}", timeout=5).read().decode())`);
  return [
    doc("Workspace", "default", `  root_path: "."\n`),
    doc("ExecutionProfile", "scoped", `  mode: sandbox\n  fs_mode: workspace_rw_scoped\n  writable_paths: [out, made/here]\n`),
    doc("ExecutionProfile", "readonly", `  mode: sandbox\n  fs_mode: workspace_readonly\n`),
    doc("ExecutionProfile", "nonet", `  mode: sandbox\n  network_mode: deny\n`),
    doc("ExecutionProfile", "allow", `  mode: sandbox\n  network_mode: allowlist\n  network_allowlist: ["127.0.0.1:${port}"]\n`),
    doc("ExecutionProfile", "small", `  mode: sandbox\n  max_memory_mb: 64\n`),
    doc("ExecutionProfile", "few", `  mode: sandbox\n  max_processes: 4\n`),
    doc("ExecutionProfile", "cpu", `  mode: sandbox\n  max_cpu_seconds: 1\n`),
    doc("ExecutionProfile", "fds", `  mode: sandbox\n  max_open_files: 16\n`),
    doc("ExecutionProfile", "withenv", `  mode: sandbox\n  env:\n    - {name: GREETING, value: from-profile}\n`),
    doc("StepTemplate", "write", `  prompt: write a file\n`),
    doc("Agent", "writer", `  capabilities: [write]\n  env:\n    - {name: GREETING, value: from-agent}\n  command: "echo $GREETING; echo agent > agent-root.txt"\n`),
    workflow("writes", [
      { id: "inside", command: "echo in > out/a.txt && echo deep > made/here/b.txt", profile: "scoped" },
      { id: "outside", command: "echo out > root.txt", profile: "scoped" },
      { id: "tmp", command: "echo t > /tmp/orchestrator-sandbox-test-marker && cat /tmp/orchestrator-sandbox-test-marker", profile: "scoped" },
      { id: "store", command: "cat .orchestrator/secret.key", profile: "scoped" },
    ]),
    workflow("readonly", [{ id: "write", command: "echo x > out/ro.txt", profile: "readonly" }]),
    workflow("host", [{ id: "write", command: "echo host > host.txt" }, { id: "fetch", command: fetch(port) }]),
    workflow("nonet", [{ id: "fetch", command: fetch(port), profile: "nonet" }]),
    workflow("allow", [
      { id: "listed", command: fetch(port), profile: "allow" },
      { id: "tunnel", command: py(`import os, http.client, urllib.parse; u = urllib.parse.urlparse(os.environ["HTTP_PROXY"]); c = http.client.HTTPConnection(u.hostname, u.port, timeout=5); c.set_tunnel("127.0.0.1", ${port}); c.request("GET", "/ok.txt"); print(c.getresponse().read().decode())`), profile: "allow" },
      { id: "unlisted", command: fetch(closedPort), profile: "allow" },
      { id: "direct", command: py(`import socket; socket.create_connection(("127.0.0.1", ${port}), timeout=5); print("connected")`), profile: "allow" },
    ]),
    workflow("memory", [{ id: "hog", command: py("b = bytearray(300 * 1024 * 1024); print(len(b))"), profile: "small" }]),
    workflow("processes", [{ id: "fork", command: "for i in 1 2 3 4 5 6 7 8; do sleep 2 & done; wait; echo forked", profile: "few" }]),
    workflow("cpu", [{ id: "spin", command: "while :; do :; done", profile: "cpu" }]),
    workflow("fds", [{ id: "open", command: py('fs = [open("/dev/null") for i in range(64)]; print(len(fs))'), profile: "fds" }]),
    workflow("env", [{ id: "show", command: "echo $GREETING", profile: "withenv" }]),
    workflow("failfast", [{ id: "touch", command: "touch ran.txt", profile: "readonly" }]),
  ].join("\n");
}

describe("execution profiles under bubblewrap", () => {
  let p: Project;
  let server: ChildProcess;
  let port = 0;

  const runWorkflow = (name: string, env: Record<string, string> = {}, extra: string[] = []): { code: number; stdout: string; stderr: string; runs: RunJson[]; events: string } => {
    const r = p.run(["run", "--workflow", name, "-o", "json", ...extra], { env });
    let id: string;
    try {
      id = (JSON.parse(r.stdout.trim().split("\n").at(-1)!) as { id: string }).id;
    } catch {
      throw new Error(`run --workflow ${name} printed no JSON result (exit ${r.code}):\n${r.stdout}${r.stderr}`);
    }
    const runs = (JSON.parse(p.run(["task", "info", id, "-o", "json"]).stdout) as { runs: RunJson[] }).runs;
    const events = p.run(["event", "list", "--task", id]).stdout;
    return { ...r, runs, events };
  };
  const step = (runs: RunJson[], id: string): RunJson => runs.find((r) => r.step === id)!;
  /** What a run did, for an assertion's message: each step's status, exit code, reason and denials, then the run's output. */
  const summary = (r: { runs: RunJson[]; stdout: string; stderr: string }): string =>
    `${r.runs.map((x) => `step ${x.step}: ${x.status}, exit ${x.exitCode}${x.reason ? `, ${x.reason}` : ""}${x.denials.length ? `, denials ${JSON.stringify(x.denials)}` : ""}`).join("\n")}\n--- output\n${r.stdout}${r.stderr}`;

  beforeAll(async () => {
    p = initializedProject({ "ok.txt": "served-content\n", "out/.keep": "" });
    // A real server on the host's loopback: the target a sandboxed step must not reach.
    server = spawn(PYTHON, ["-u", "-m", "http.server", "0", "--bind", "127.0.0.1"], { cwd: p.dir, stdio: ["ignore", "pipe", "ignore"] });
    port = await new Promise<number>((resolve, reject) => {
      let seen = "";
      server.stdout!.on("data", (c: Buffer) => {
        seen += c.toString();
        const m = /port (\d+)/.exec(seen);
        if (m) resolve(Number(m[1]));
      });
      server.once("exit", () => reject(new Error(`http.server exited: ${seen}`)));
    });
    // A port nothing listens on, for the unlisted target (refused by the proxy before any connection).
    const closedPort = port === 65535 ? port - 1 : port + 1;
    p.write("m.yaml", manifests(port, closedPort));
    const r = p.run(["apply", "-f", "m.yaml"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
  });
  afterAll(() => {
    server?.kill("SIGKILL");
    p?.cleanup();
  });

  it("scoped writes: inside writable_paths (made when missing) yes, elsewhere no; /tmp is private; the store's key is hidden", () => {
    const r = runWorkflow("writes");
    expect(readFileSync(join(p.dir, "out/a.txt"), "utf8")).toBe("in\n");
    expect(readFileSync(join(p.dir, "made/here/b.txt"), "utf8")).toBe("deep\n");
    expect(step(r.runs, "inside").status).toBe("succeeded");

    expect(existsSync(join(p.dir, "root.txt"))).toBe(false);
    const outside = step(r.runs, "outside");
    expect(outside.status).toBe("failed");
    expect(outside.reason).toMatch(/^sandbox_write_denied: /);
    expect(outside.denials).toEqual([expect.objectContaining({ reason_code: "sandbox_write_denied", path: "root.txt" })]);
    expect(r.events).toMatch(/sandbox_denied .*sandbox_write_denied: step outside/);

    expect(step(r.runs, "tmp").status).toBe("succeeded");
    expect(existsSync(join(tmpdir(), "orchestrator-sandbox-test-marker"))).toBe(false);
    expect(existsSync("/tmp/orchestrator-sandbox-test-marker")).toBe(false);

    // In the sandbox the store's key is a device node that cannot be opened.
    const key = readFileSync(join(p.dir, ".orchestrator/secret.key"), "utf8").trim();
    expect(key.length).toBeGreaterThan(0);
    expect(step(r.runs, "store").status).toBe("failed");
    expect(r.stdout).not.toContain(key);
    expect(r.stdout + r.stderr).toMatch(/secret\.key: Permission denied/);
  });

  it("workspace_readonly: nothing in the workspace can be written", () => {
    const r = runWorkflow("readonly");
    expect(existsSync(join(p.dir, "out/ro.txt"))).toBe(false);
    expect(step(r.runs, "write").denials.map((d) => d.reason_code)).toEqual(["sandbox_write_denied"]);
  });

  it("a step without a profile runs on the host, and its run records the implicit host profile", () => {
    const r = runWorkflow("host");
    expect(r.code).toBe(0);
    expect(readFileSync(join(p.dir, "host.txt"), "utf8")).toBe("host\n");
    // The server is reachable from the host: the refusals below are the sandbox's doing.
    expect(r.stdout).toContain("served-content");
    expect(step(r.runs, "write").profile).toEqual({ name: "host", declared: false, mode: "host" });
  });

  it("network_mode deny: 127.0.0.1 of the host is out of reach", () => {
    const r = runWorkflow("nonet");
    expect(r.code).toBe(1);
    expect(r.stdout).not.toContain("served-content");
    const fetch = step(r.runs, "fetch");
    expect(fetch.status).toBe("failed");
    expect(fetch.denials[0]).toMatchObject({ reason_code: "sandbox_network_blocked", source: "output" });
    expect(fetch.profile).toMatchObject({ name: "nonet", declared: true, mode: "sandbox" });
  });

  it("network_mode allowlist: the listed target through the proxy (plain and CONNECT), nothing else, not even the listed one directly", () => {
    const r = runWorkflow("allow");
    const why = summary(r);
    expect(step(r.runs, "listed").status, why).toBe("succeeded");
    expect(step(r.runs, "tunnel").status, why).toBe("succeeded");
    expect(r.stdout.match(/served-content/g), why).toHaveLength(2);

    const unlisted = step(r.runs, "unlisted");
    expect(unlisted.status, why).toBe("failed");
    expect(unlisted.denials, why).toEqual([expect.objectContaining({ reason_code: "sandbox_network_blocked", source: "proxy", target: `127.0.0.1:${port + 1 === 65536 ? port - 1 : port + 1}` })]);

    const direct = step(r.runs, "direct");
    expect(direct.status, why).toBe("failed");
    expect(direct.denials.map((d) => d.reason_code), why).toEqual(["sandbox_network_blocked"]);
    expect(r.stdout, why).not.toContain("connected");
  });

  it("max_memory_mb: a step allocating past its limit is stopped and says why", () => {
    const r = runWorkflow("memory");
    const hog = step(r.runs, "hog");
    expect(hog.status).toBe("failed");
    expect(hog.denials).toEqual([expect.objectContaining({ reason_code: "sandbox_limit_exceeded", limit: "memory" })]);
    expect(r.stdout).not.toContain(String(300 * 1024 * 1024));
  });

  it("max_memory_mb without cgroups: held per process by RLIMIT_AS", () => {
    const r = runWorkflow("memory", { ORCHESTRATOR_SANDBOX_CGROUP: "none" });
    const hog = step(r.runs, "hog");
    expect(hog.status).toBe("failed");
    expect(hog.denials).toEqual([expect.objectContaining({ reason_code: "sandbox_limit_exceeded", limit: "memory", source: "output" })]);
  });

  it("max_processes: forks past the limit are refused", () => {
    const r = runWorkflow("processes");
    const fork = step(r.runs, "fork");
    expect(fork.status).toBe("failed");
    expect(r.stdout).not.toContain("forked");
    expect(fork.denials).toEqual([expect.objectContaining({ reason_code: "sandbox_limit_exceeded", limit: "processes" })]);
  });

  it("max_processes without cgroups: RLIMIT_NPROC for a user, refused up front for root (it does not bind root)", () => {
    const r = runWorkflow("processes", { ORCHESTRATOR_SANDBOX_CGROUP: "none" });
    const fork = step(r.runs, "fork");
    expect(fork.status).toBe("failed");
    if (process.getuid?.() === 0) {
      expect(fork.reason).toMatch(/^could not start: unsupported_backend_feature: profile 'few' cannot be enforced on this host.*max_processes/);
      expect(fork.exitCode).toBe(1);
      expect(r.events).toContain("sandbox_unsupported");
    } else {
      expect(fork.denials.map((d) => d.limit)).toEqual(["processes"]);
    }
  });

  it("max_cpu_seconds: a busy loop is ended by SIGXCPU", () => {
    const r = runWorkflow("cpu");
    const spin = step(r.runs, "spin");
    expect(spin.status).toBe("failed");
    expect(spin.exitCode).toBe(152);
    expect(spin.denials).toEqual([expect.objectContaining({ reason_code: "sandbox_limit_exceeded", limit: "cpu", source: "signal" })]);
  });

  it("max_open_files: opening past the limit fails with EMFILE", () => {
    const r = runWorkflow("fds");
    const open = step(r.runs, "open");
    expect(open.status).toBe("failed");
    expect(open.denials).toEqual([expect.objectContaining({ reason_code: "sandbox_limit_exceeded", limit: "open_files" })]);
  });

  it("the profile's env reaches the step", () => {
    const r = runWorkflow("env");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("from-profile");
  });

  it("run --profile puts a direct assembly behind the same boundary, the profile's env over the agent's", () => {
    const r = p.run(["run", "--template", "write", "--agent-capability", "write", "--profile", "withenv", "-o", "json"]);
    const id = (JSON.parse(r.stdout.trim().split("\n").at(-1)!) as { id: string }).id;
    const run = (JSON.parse(p.run(["task", "info", id, "-o", "json"]).stdout) as { runs: RunJson[] }).runs[0]!;
    expect(r.stdout).toContain("from-profile");
    // withenv inherits the file system: the agent's write lands, under the profile it was given.
    expect(existsSync(join(p.dir, "agent-root.txt"))).toBe(true);
    expect(run.profile).toMatchObject({ name: "withenv", mode: "sandbox", declared: true });

    const ro = p.run(["run", "--template", "write", "--agent-capability", "write", "--profile", "readonly", "-o", "json"]);
    const roId = (JSON.parse(ro.stdout.trim().split("\n").at(-1)!) as { id: string }).id;
    const roRun = (JSON.parse(p.run(["task", "info", roId, "-o", "json"]).stdout) as { runs: RunJson[] }).runs[0]!;
    expect(roRun.profile?.name).toBe("readonly");
    expect(roRun.denials.map((d) => d.reason_code)).toEqual(["sandbox_write_denied"]);
  });

  it("without bubblewrap a sandboxed step fails at once with unsupported_backend_feature, and nothing runs", () => {
    const env = { ORCHESTRATOR_BWRAP: "/nonexistent/bwrap" };
    const r = runWorkflow("failfast", env);
    expect(r.code).toBe(1);
    expect(existsSync(join(p.dir, "ran.txt"))).toBe(false);
    const touch = step(r.runs, "touch");
    expect(touch.status).toBe("failed");
    expect(touch.reason).toContain("unsupported_backend_feature");
    expect(touch.reason).toContain("/nonexistent/bwrap");
    expect(r.events).toMatch(/sandbox_unsupported .*unsupported_backend_feature/);

    const check = p.run(["check"], { env });
    expect(check.code).toBe(0);
    expect(check.stderr).toMatch(/warning: executionprofile\/readonly: spec\.mode: unsupported_backend_feature/);
    expect(check.stdout).toMatch(/executionprofile\/readonly: NOT ENFORCEABLE/);
  });

  it("check says per profile how this host enforces each field", () => {
    const r = p.run(["check", "-o", "json"]);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { warnings: unknown[]; sandbox: { host: { sandbox: boolean }; profiles: Array<{ name: string; enforceable: boolean; fields: Array<{ field: string; enforced: boolean }> }> } };
    expect(out.sandbox.host.sandbox).toBe(true);
    const scoped = out.sandbox.profiles.find((x) => x.name === "scoped")!;
    expect(scoped.enforceable).toBe(true);
    expect(scoped.fields.map((f) => f.field)).toEqual(["mode", "fs_mode", "writable_paths", "network_mode"]);
    expect(out.sandbox.profiles.every((x) => x.enforceable)).toBe(true);
    expect(p.run(["check"]).stdout).toMatch(/executionprofile\/small: enforced\n[\s\S]*max_memory_mb +64 +yes/);
  });

  it("task trace shows each denial under its run", () => {
    const r = p.run(["run", "--workflow", "readonly", "-o", "json"]);
    const id = (JSON.parse(r.stdout.trim().split("\n").at(-1)!) as { id: string }).id;
    const trace = p.run(["task", "trace", id]).stdout;
    expect(trace).toMatch(/write +\S+ +profile=readonly .*\n +⛔ sandbox_write_denied: write to out\/ro\.txt denied/);
    const json = JSON.parse(p.run(["task", "trace", id, "--json"]).stdout) as { cycles: Array<{ runs: Array<{ profile: string; denials: Array<{ reasonCode: string }> }> }> };
    expect(json.cycles[0]!.runs[0]).toMatchObject({ profile: "readonly", denials: [{ reasonCode: "sandbox_write_denied" }] });
  });
});
