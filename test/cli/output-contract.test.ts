/**
 * The output contract through the built CLI: the same -o formats,
 * selectors, sorting and headers on every listing; JSON that is always a
 * List or the object; get -o yaml applied back without a word; watches;
 * colour and progress on a terminal (driven through `script`).
 */
import { spawn, spawnSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { CLI, initializedProject } from "../support/cli.js";
import { tail, until } from "../support/controller.js";

/** What each long-running command has printed so far, for a timeout message. */
const streams = (named: Record<string, { out(): string; err(): string }>): string =>
  Object.entries(named)
    .map(([label, w]) => `${label}: ${JSON.stringify(tail(w.out()))}${w.err() ? `, stderr ${JSON.stringify(tail(w.err()))}` : ""}`)
    .join("; ");

const agent = (name: string, labels: Record<string, string>, caps = "[x]"): string =>
  `apiVersion: orchestrator.dev/v2\nkind: Agent\nmetadata:\n  name: ${name}\n  labels: ${JSON.stringify(labels)}\nspec:\n  capabilities: ${caps}\n  command: echo ${name}\n`;
const MANIFESTS = [
  agent("zeta", { env: "prod", tier: "gold" }),
  agent("alpha", { env: "dev" }, "[plan, x]"),
  agent("mid", { env: "staging", tier: "silver" }),
  "apiVersion: orchestrator.dev/v2\nkind: Workspace\nmetadata:\n  name: ws\nspec:\n  root_path: .\n",
  "apiVersion: orchestrator.dev/v2\nkind: StepTemplate\nmetadata:\n  name: t\nspec:\n  prompt: do it\n",
  "apiVersion: orchestrator.dev/v2\nkind: Workflow\nmetadata:\n  name: wf\nspec:\n  steps:\n    - id: s\n      type: t\n      required_capability: x\n",
  "apiVersion: orchestrator.dev/v2\nkind: SecretStore\nmetadata:\n  name: keys\nspec:\n  data:\n    TOKEN: s3cret-value-42\n",
].join("---\n");

/** Runs the CLI under a pseudo-terminal (`script`), as a person at a terminal runs it. */
function onTerminal(dir: string, command: string, env: Record<string, string> = {}): string {
  const r = spawnSync("script", ["-qfec", `${process.execPath} ${CLI} ${command}`, "/dev/null"], {
    cwd: dir,
    env: { ...process.env, NO_COLOR: undefined, FORCE_COLOR: undefined, ORCHESTRATOR_NO_DAEMON: "1", TERM: "xterm", ...env } as NodeJS.ProcessEnv,
    encoding: "utf8",
    timeout: 60_000,
  });
  return r.stdout;
}

describe("the output contract", () => {
  let p: ReturnType<typeof initializedProject>;
  beforeAll(() => {
    p = initializedProject({ "m.yaml": MANIFESTS });
    expect(p.run(["apply", "-f", "m.yaml"]).code).toBe(0);
  });
  afterAll(() => p.cleanup());

  it("-o jsonpath= and custom-columns= read the same JSON as -o json; --sort-by and --no-headers", () => {
    expect(p.run(["get", "agents", "-o", "jsonpath={.items[*].metadata.name}"]).stdout).toBe("alpha mid zeta");
    expect(p.run(["get", "agents", "-o", 'jsonpath={range .items[*]}{.metadata.name}={.metadata.labels.env}{"\\n"}{end}']).stdout).toBe("alpha=dev\nmid=staging\nzeta=prod\n");
    expect(p.run(["get", "agent", "zeta", "-o", "jsonpath={.spec.command}"]).stdout).toBe("echo zeta");
    const cols = p.run(["get", "agents", "-o", "custom-columns=NAME:.metadata.name,TIER:.metadata.labels.tier,CAPS:.spec.capabilities[*]", "--sort-by", ".metadata.labels.env"]).stdout;
    expect(cols).toBe("NAME    TIER     CAPS\nalpha   <none>   plan,x\nzeta    gold     x\nmid     silver   x\n");
    expect(p.run(["get", "agents", "--sort-by", "{.metadata.labels.tier}", "--no-headers", "-o", "custom-columns=N:.metadata.name"]).stdout).toBe("alpha\nzeta\nmid\n");
    expect(p.run(["get", "agents", "--no-headers"]).stdout).toMatch(/^alpha\s+plan,x\s+\d+s\nmid/);
    const bad = p.run(["get", "agents", "-o", "jsonpath={.items[*"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("unclosed '{'");
    expect(p.run(["get", "agents", "-o", "xml"])).toMatchObject({ code: 2, stderr: expect.stringContaining("unknown output format 'xml'; use one of: table, wide, json, yaml, name, jsonpath=..., custom-columns=...") });
  });

  it("set-based selectors: in, notin, exists and !key, on get and source list", () => {
    const names = (sel: string): string => p.run(["get", "agents", "-l", sel, "-o", "name"]).stdout;
    expect(names("env in (prod,dev)")).toBe("agent/alpha\nagent/zeta\n");
    expect(names("env notin (prod)")).toBe("agent/alpha\nagent/mid\n");
    expect(names("tier,env!=prod")).toBe("agent/mid\n");
    expect(names("!tier")).toBe("agent/alpha\n");
    expect(p.run(["get", "agents", "-l", "env in (prod"])).toMatchObject({ code: 2, stderr: expect.stringContaining("unclosed '('") });
    expect(p.run(["source", "list", "-l", "missing in (x)", "-o", "name"]).stdout).toBe("");
    expect(p.run(["source", "list", "-l", "!missing", "-o", "name"]).stdout).toBe("source/default\n");
  });

  it("get a,b and get all: one table per kind, names as kind/name; -o json is one List", () => {
    const two = p.run(["get", "agents,workflows"]).stdout.split("\n\n");
    expect(two).toHaveLength(2);
    expect(two[0]).toMatch(/^NAME\s+CAPABILITIES\s+AGE\nagent\/alpha/);
    expect(two[1]).toMatch(/^NAME\s+STEPS\s+LOOP\s+AGE\nworkflow\/wf/);
    const all = p.run(["get", "all", "-o", "name"]).stdout.trim().split("\n");
    expect(all).toEqual(["secretstore/keys", "source/default", "steptemplate/t", "agent/alpha", "agent/mid", "agent/zeta", "workspace/ws", "workflow/wf"]);
    const list = JSON.parse(p.run(["get", "ws,wf", "-o", "json"]).stdout);
    expect(list).toMatchObject({ apiVersion: "orchestrator.dev/v2", kind: "List" });
    expect(list.items.map((i: { kind: string }) => i.kind)).toEqual(["Workspace", "Workflow"]);
    expect(p.run(["get", "agents,nope"])).toMatchObject({ code: 2, stderr: expect.stringContaining("unknown kind 'nope'") });
  });

  it("-o json of every listing is a List, never a bare array; -o name is kind/name", () => {
    for (const args of [["get", "agents"], ["task", "list"], ["event", "list"], ["source", "list"], ["source", "status"], ["db", "migrations", "list"]]) {
      const doc = JSON.parse(p.run([...args, "-o", "json"]).stdout);
      expect(doc, args.join(" ")).toMatchObject({ apiVersion: "orchestrator.dev/v2", kind: "List" });
      expect(Array.isArray(doc.items)).toBe(true);
      for (const item of doc.items) expect(typeof item.kind, args.join(" ")).toBe("string");
      expect(parse(p.run([...args, "-o", "yaml"]).stdout), args.join(" ")).toEqual(doc);
    }
    for (const args of [["db", "status"], ["controller", "status"], ["version"], ["source", "status", "default"]]) {
      expect(JSON.parse(p.run([...args, "-o", "json"]).stdout), args.join(" ")).toMatchObject({ apiVersion: "orchestrator.dev/v2", kind: expect.any(String) });
    }
    expect(p.run(["event", "list", "--limit", "1", "-o", "name"]).stdout).toMatch(/^event\/\d+\n$/);
    expect(p.run(["db", "migrations", "list", "-o", "name"]).stdout).toMatch(/^migration\/1\nmigration\/2\n/);
  });

  it("a command's result takes text, json, yaml and jsonpath=; -o name where kubectl has it (apply, task create, run); table-only formats are usage errors", () => {
    expect(p.run(["apply", "-f", "m.yaml", "-o", "name"]).stdout).toBe("secretstore/keys\nsteptemplate/t\nagent/zeta\nagent/alpha\nagent/mid\nworkspace/ws\nworkflow/wf\n");
    const created = p.run(["task", "create", "--name", "named", "--workflow", "wf", "--workspace", "ws", "--no-start", "-o", "name"]);
    expect(created.stdout).toMatch(/^task\/t-[a-z0-9]+\n$/);
    // The form other commands take back.
    expect(p.run(["task", "info", created.stdout.trim(), "-o", "jsonpath={.task.name}"]).stdout).toBe("named");
    expect(p.run(["task", "delete", created.stdout.trim(), "--force"]).code).toBe(0);
    const queued = p.run(["run", "--workflow", "wf", "--workspace", "ws", "--detach", "--no-daemon", "-o", "name"]);
    expect(queued.stdout).toMatch(/^task\/t-[a-z0-9]+\n$/);
    expect(p.run(["task", "delete", queued.stdout.trim(), "--force"]).code).toBe(0);
    expect(p.run(["check", "-o", "yaml"]).stdout).toMatch(/^apiVersion: orchestrator.dev\/v2\nkind: CheckReport\n/);
    expect(p.run(["manifest", "validate", "-f", "m.yaml", "-o", "jsonpath={.kind}"]).stdout).toBe("ValidationReport");
    for (const [args, format] of [[["check"], "wide"], [["diff", "-f", "m.yaml"], "custom-columns=K:.kind"], [["manifest", "validate", "-f", "m.yaml"], "name"]] as const) {
      const r = p.run([...args, "-o", format]);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.stderr, args.join(" ")).toContain("use one of: text, json, yaml, jsonpath=...");
    }
  });

  it("an implicit project's times are those of its resources, the same on every read", () => {
    const read = (): unknown => JSON.parse(p.run(["get", "project", "default", "-o", "json"]).stdout).metadata;
    const first = read() as Record<string, unknown>;
    expect(first).toMatchObject({ name: "default", appliedBy: "implicit", createdAt: expect.stringMatching(/Z$/) });
    expect(first).not.toHaveProperty("generation");
    expect(read()).toEqual(first);
  });

  it("get -o yaml applies back without a warning and changes nothing; a redacted secret is refused, not written", () => {
    for (const kind of ["agents", "workspaces", "workflows", "steptemplates", "sources"]) {
      const yaml = p.run(["get", kind, "-o", "yaml"]).stdout;
      const back = p.run(["apply", "-f", "-"], { input: yaml });
      expect(back.stderr, kind).toBe("");
      expect(back.code, kind).toBe(0);
      expect(back.stdout.trim().split("\n").every((l) => l.endsWith(" unchanged")), kind).toBe(true);
    }
    const secret = p.run(["get", "secretstore", "keys", "-o", "yaml"]).stdout;
    expect(secret).not.toContain("s3cret-value-42");
    const refused = p.run(["apply", "-f", "-"], { input: secret });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("spec.data.TOKEN: the value is <redacted>, the placeholder get and describe print in place of a secret");
    expect(p.run(["manifest", "export", "--include-secrets"]).stdout).toContain("s3cret-value-42");
  });

  it("event list --for KIND/NAME shows one resource's events", () => {
    const r = p.run(["event", "list", "--for", "agent/zeta", "-o", "json"]);
    const items = JSON.parse(r.stdout).items as { type: string; involvedObject: { kind: string; name: string; project: string } }[];
    expect(items.map((e) => e.type)).toEqual(["resource_created"]);
    expect(items[0]!.involvedObject).toEqual({ kind: "Agent", project: "default", name: "zeta" });
    expect(p.run(["event", "list", "--for", "source/default", "-o", "jsonpath={.items[0].type}"]).stdout).toBe("resource_created");
    expect(p.run(["event", "list", "--for", "zeta"])).toMatchObject({ code: 2, stderr: expect.stringContaining("--for takes KIND/NAME") });
  });

  it("get -w and event list -w print each change as it happens, and end with status 0 on Ctrl-C", async () => {
    const watch = (args: string[]): { out: () => string; err: () => string; stop: () => Promise<number | null> } => {
      const child = spawn(process.execPath, [CLI, ...args], { cwd: p.dir, env: { ...process.env, NO_COLOR: "1", ORCHESTRATOR_NO_DAEMON: "1" }, stdio: ["ignore", "pipe", "pipe"] });
      let out = "";
      let err = "";
      child.stdout.on("data", (d) => (out += d));
      child.stderr.on("data", (d) => (err += d));
      return {
        out: () => out,
        err: () => err,
        stop: async () => {
          const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
          child.kill("SIGINT");
          return exited;
        },
      };
    };
    const agents = watch(["get", "agents", "-w", "-o", "custom-columns=NAME:.metadata.name,ENV:.metadata.labels.env"]);
    const events = watch(["event", "list", "--for", "agent/zeta", "-w", "--limit", "1"]);
    try {
      await until("the first lists", () => agents.out().includes("zeta") && events.out().includes("resource_created"), undefined, undefined, () => streams({ "get agents -w": agents, "event list -w": events }));
      p.write("zeta.yaml", agent("zeta", { env: "canary", tier: "gold" }));
      expect(p.run(["apply", "-f", "zeta.yaml"]).code).toBe(0);
      await until("the change in both watches", () => /zeta\s+canary\n/.test(agents.out()) && events.out().includes("resource_updated"), undefined, undefined, () => streams({ "get agents -w": agents, "event list -w": events }));
      // The new row alone, without a header again.
      expect(agents.out().match(/NAME/g)).toHaveLength(1);
    } finally {
      expect(await agents.stop()).toBe(0);
      expect(await events.stop()).toBe(0);
    }
  });

  it("task list -w -o json prints each task as one object when it appears and once more when it goes; source list -w -o name likewise for a source", async () => {
    const child = (args: string[]): { out: () => string; err: () => string; stop: () => Promise<number | null> } => {
      const c = spawn(process.execPath, [CLI, ...args], { cwd: p.dir, env: { ...process.env, NO_COLOR: "1", ORCHESTRATOR_NO_DAEMON: "1" }, stdio: ["ignore", "pipe", "pipe"] });
      let out = "";
      let err = "";
      c.stdout.on("data", (d) => (out += d));
      c.stderr.on("data", (d) => (err += d));
      return {
        out: () => out,
        err: () => err,
        stop: async () => {
          const exited = new Promise<number | null>((r) => c.once("exit", (code) => r(code)));
          c.kill("SIGINT");
          return exited;
        },
      };
    };
    /** The JSON objects of a stream that prints them one after another, indented. */
    const objects = (text: string): Array<Record<string, unknown>> => text.split(/\n(?=\{)/).filter((t) => t.trim()).map((t) => JSON.parse(t) as Record<string, unknown>);
    const tasks = child(["task", "list", "-w", "-o", "json"]);
    const sources = child(["source", "list", "-w", "-o", "name"]);
    try {
      await until("the first lists", () => tasks.out().includes('"kind": "List"') && sources.out() === "source/default\n", undefined, undefined, () => streams({ "task list -w": tasks, "source list -w": sources }));
      const created = p.run(["task", "create", "--name", "watched", "--workflow", "wf", "--workspace", "ws", "--no-start"]);
      expect(created.code, created.stderr).toBe(0);
      expect(p.run(["source", "add", "extra", "--dir", "nowhere"]).code).toBe(0);
      await until("the new task and source", () => tasks.out().includes('"name": "watched"') && sources.out().includes("source/extra\n"), undefined, undefined, () => streams({ "task list -w": tasks, "source list -w": sources }));
      const [list, ...changes] = objects(tasks.out());
      expect(list).toMatchObject({ kind: "List" });
      expect(changes.map((c) => [c["kind"], c["name"], c["phase"]])).toEqual([["TaskRecord", "watched", "Pending"]]);
      expect(p.run(["task", "delete", "watched", "--force"]).code).toBe(0);
      expect(p.run(["source", "remove", "extra"]).code).toBe(0);
      // What went is printed once more, in its last state.
      await until("the deletions", () => objects(tasks.out()).length === 3 && sources.out().split("source/extra").length === 3, undefined, undefined, () => streams({ "task list -w": tasks, "source list -w": sources }));
      expect(sources.out()).toBe("source/default\nsource/extra\nsource/extra\n");
    } finally {
      expect(await tasks.stop()).toBe(0);
      expect(await sources.stop()).toBe(0);
    }
  });

  it("colour: auto on a terminal, never with NO_COLOR or --color=never, always with --color=always or FORCE_COLOR", () => {
    p.write("change.yaml", agent("alpha", { env: "dev" }, "[plan, x, y]"));
    const ansi = /\u001b\[\d+m/;
    expect(onTerminal(p.dir, "diff -f change.yaml")).toMatch(ansi);
    expect(onTerminal(p.dir, "diff -f change.yaml", { NO_COLOR: "1" })).not.toMatch(ansi);
    expect(onTerminal(p.dir, "diff -f change.yaml --color=never")).not.toMatch(ansi);
    expect(p.run(["diff", "-f", "change.yaml"]).stdout).not.toMatch(ansi);
    expect(p.run(["diff", "-f", "change.yaml", "--color=always"]).stdout).toMatch(ansi);
    expect(p.run(["diff", "-f", "change.yaml"], { env: { NO_COLOR: undefined, FORCE_COLOR: "1" } }).stdout).toMatch(ansi);
    expect(p.run(["get", "agents", "--color=sometimes"]).code).toBe(2);
  });

  it("a long apply on a terminal shows progress on stderr and ends with a summary line; a pipe gets neither", () => {
    const many = Array.from({ length: 40 }, (_, i) => agent(`bulk-${i}`, { bulk: "yes" })).join("---\n");
    p.write("bulk.yaml", many);
    const tty = onTerminal(p.dir, "apply -f bulk.yaml", { ORCHESTRATOR_PROGRESS_DELAY: "0s" });
    expect(tty).toMatch(/apply: (building|validating|applying) 1 file \(\d+\.\ds\)/);
    expect(tty).toMatch(/agent\/bulk-39 created\r?\n40 created, 0 configured, 0 unchanged\r?\n/);
    const piped = p.run(["apply", "-f", "bulk.yaml"], { env: { ORCHESTRATOR_PROGRESS_DELAY: "0s" } });
    expect(piped.stderr).toBe("");
    expect(piped.stdout).not.toMatch(/\d+ created, \d+ configured/);
    const validate = onTerminal(p.dir, "manifest validate -f bulk.yaml", { ORCHESTRATOR_PROGRESS_DELAY: "0s" });
    expect(validate).toMatch(/validate: validating 1 file/);
  });

  it("every duration flag takes units; a bare number keeps its old unit; nonsense is a usage error", () => {
    expect(p.run(["controller", "stop", "--timeout", "5s"])).toMatchObject({ code: 0, stdout: "no controller running\n" });
    expect(p.run(["controller", "stop", "--timeout", "soon"])).toMatchObject({ code: 2, stderr: expect.stringContaining("invalid --timeout 'soon'") });
    expect(p.run(["reconcile", "--timeout", "1m30s", "-o", "json"]).code).toBe(0);
    expect(p.run(["reconcile", "--timeout", "x"])).toMatchObject({ code: 2, stderr: expect.stringContaining("invalid --timeout 'x'") });
    expect(p.run(["watch", "--debounce", "later"])).toMatchObject({ code: 2, stderr: expect.stringContaining("invalid --debounce 'later'") });
    expect(p.run(["source", "add", "fast", "--dir", "x", "--interval", "250ms", "--export"]).stdout).toContain("interval: 250ms");
  });
});
