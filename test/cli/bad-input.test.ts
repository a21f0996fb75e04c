import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { initializedProject } from "../support/cli.js";

const agent = (name: string, extra = ""): string =>
  `apiVersion: orchestrator.dev/v2\nkind: Agent\nmetadata:\n  name: ${name}\nspec:\n  capabilities: [x]\n  command: echo hi\n${extra}`;

/** Each case: files to write, the -f argument, and what the message must say. */
const CASES: Array<{ name: string; files?: Record<string, string>; binary?: string; arg: string; expect: RegExp[] }> = [
  { name: "a file that is not YAML", files: { "bad.yaml": "{{{ not: yaml ]]]\n" }, arg: "bad.yaml", expect: [/bad\.yaml:1:\d+/, /YAML/] },
  // An unclosed construct is reported where it opens, not where the file ends.
  { name: "a YAML syntax error", files: { "bad.yaml": agent("a") + "  bad: [unclosed\n\n\n" }, arg: "bad.yaml", expect: [/bad\.yaml:8:8\)/, /syntax/i, /missing closing \]/] },
  { name: "an unclosed quote", files: { "bad.yaml": agent("a").replace("command: echo hi", 'command: "echo hi') + "\n# more\n" }, arg: "bad.yaml", expect: [/bad\.yaml:7:12\)/, /missing closing "/] },
  // A missing field points at the mapping that should hold it: the `spec:` line.
  { name: "a missing required field", files: { "bad.yaml": agent("a").replace("  command: echo hi\n", "") }, arg: "bad.yaml", expect: [/agent\/a: spec\.command: required field is missing \(case-\d+\/bad\.yaml:5:1\)/] },
  { name: "a document that is not a mapping", files: { "bad.yaml": "- just\n- a list\n" }, arg: "bad.yaml", expect: [/not a mapping/, /bad\.yaml:1:1/] },
  { name: "missing apiVersion", files: { "bad.yaml": agent("a").replace("apiVersion: orchestrator.dev/v2\n", "") }, arg: "bad.yaml", expect: [/apiVersion/, /bad\.yaml:\d+/] },
  { name: "missing kind", files: { "bad.yaml": agent("a").replace("kind: Agent\n", "") }, arg: "bad.yaml", expect: [/kind/, /bad\.yaml:\d+/] },
  { name: "missing metadata.name", files: { "bad.yaml": agent("a").replace("  name: a\n", "  labels: {}\n") }, arg: "bad.yaml", expect: [/metadata\.name|name/, /bad\.yaml:\d+/] },
  { name: "an unknown apiVersion", files: { "bad.yaml": agent("a").replace("orchestrator.dev/v2", "orchestrator.dev/v9") }, arg: "bad.yaml", expect: [/orchestrator\.dev\/v9/, /bad\.yaml:1:\d+/] },
  { name: "an unknown kind", files: { "bad.yaml": agent("a").replace("kind: Agent", "kind: Agnet") }, arg: "bad.yaml", expect: [/Agnet/, /Workflow/, /bad\.yaml:2:\d+/] },
  { name: "a wrong type", files: { "bad.yaml": agent("a").replace("command: echo hi", "command: [1, 2]") }, arg: "bad.yaml", expect: [/agent\/a: spec\.command/, /bad\.yaml:7:\d+/] },
  { name: "a duplicate kind/name in one set", files: { "one.yaml": agent("dup"), "two.yaml": agent("dup") }, arg: ".", expect: [/dup/, /one\.yaml:\d+/, /two\.yaml:\d+/] },
  { name: "an invalid name", files: { "bad.yaml": agent("-bad name!") }, arg: "bad.yaml", expect: [/name/, /bad\.yaml:4:\d+/] },
  {
    name: "an invalid CEL expression",
    files: {
      "bad.yaml":
        "apiVersion: orchestrator.dev/v2\nkind: Workflow\nmetadata:\n  name: w\nspec:\n  steps:\n    - id: s\n      command: echo\n      prehook:\n        engine: cel\n        when: \"cycle >= [[[\"\n",
    },
    arg: "bad.yaml",
    expect: [/spec\.steps\[0\]\.prehook\.when/, /bad\.yaml:11:\d+/],
  },
  {
    name: "an invalid cron expression",
    files: {
      "bad.yaml":
        "apiVersion: orchestrator.dev/v2\nkind: Trigger\nmetadata:\n  name: t\nspec:\n  cron:\n    schedule: \"61 * * * *\"\n  action:\n    workflow: w\n    workspace: ws\n",
    },
    arg: "bad.yaml",
    expect: [/spec\.cron\.schedule/, /bad\.yaml:7:\d+/],
  },
  {
    name: "an invalid time zone",
    files: {
      "bad.yaml":
        "apiVersion: orchestrator.dev/v2\nkind: Trigger\nmetadata:\n  name: t\nspec:\n  cron:\n    schedule: \"0 * * * *\"\n    timezone: Mars/Olympus\n  action:\n    workflow: w\n    workspace: ws\n",
    },
    arg: "bad.yaml",
    expect: [/Mars\/Olympus/, /bad\.yaml:8:\d+/],
  },
  {
    name: "a Trigger with both cron and event",
    files: {
      "bad.yaml":
        "apiVersion: orchestrator.dev/v2\nkind: Trigger\nmetadata:\n  name: t\nspec:\n  cron:\n    schedule: \"0 * * * *\"\n  event:\n    source: task_completed\n  action:\n    workflow: w\n    workspace: ws\n",
    },
    arg: "bad.yaml",
    expect: [/cron/, /event/, /bad\.yaml:\d+/],
  },
  {
    name: "a Trigger with neither cron nor event",
    files: { "bad.yaml": "apiVersion: orchestrator.dev/v2\nkind: Trigger\nmetadata:\n  name: t\nspec:\n  action:\n    workflow: w\n    workspace: ws\n" },
    arg: "bad.yaml",
    expect: [/cron/, /event/, /bad\.yaml:\d+/],
  },
  { name: "an empty file", files: { "empty.yaml": "" }, arg: "empty.yaml", expect: [/empty\.yaml/, /no manifest documents/] },
  { name: "a path that does not exist", arg: "missing.yaml", expect: [/missing\.yaml/, /does not exist/] },
  { name: "a binary file", binary: "bin.yaml", arg: "bin.yaml", expect: [/bin\.yaml/, /binary/] },
];

const SECRET = "apiVersion: orchestrator.dev/v2\nkind: SecretStore\nmetadata:\n  name: keys\nspec:\n  data:\n    PIN: 98765432\n    TOKEN: [t0ken-in-a-list-5521]\n";

describe("a SecretStore with bad values", () => {
  let p: ReturnType<typeof initializedProject>;
  afterAll(() => p.cleanup());

  it("is refused without echoing any value, by every command that validates", () => {
    p = initializedProject({ "manifests/secret.yaml": SECRET });
    const outputs: string[] = [];
    for (const args of [["manifest", "validate", "-f", "manifests"], ["manifest", "validate", "-o", "json", "-f", "manifests"], ["apply", "-f", "manifests"], ["diff", "-f", "manifests"], ["sync"]]) {
      const r = p.run(args);
      expect(r.code, args.join(" ")).not.toBe(0);
      outputs.push(r.stdout + r.stderr);
    }
    expect(outputs[0]).toContain("secretstore/keys: spec.data.PIN: must be string or object, not a number (manifests/secret.yaml:7:10)");
    // What sync recorded: source status and events.
    outputs.push(p.run(["source", "list", "-o", "json"]).stdout, p.run(["event", "list", "-o", "json"]).stdout);
    for (const out of outputs) {
      expect(out).not.toContain("98765432");
      expect(out).not.toContain("t0ken-in-a-list-5521");
    }
    const db = join(p.dir, ".orchestrator/state.db");
    for (const f of [db, db + "-wal"]) if (existsSync(f)) expect(readFileSync(f).includes("98765432")).toBe(false);
  });
});

const sha = (path: string): string => createHash("sha256").update(readFileSync(path)).digest("hex");

describe("bad input is refused with a clear message and leaves the store as it was", () => {
  let p: ReturnType<typeof initializedProject>;
  beforeAll(() => {
    p = initializedProject({ "good.yaml": agent("kept") });
    expect(p.run(["apply", "-f", "good.yaml"]).code).toBe(0);
  });
  afterAll(() => p.cleanup());

  for (const c of CASES) {
    it(`refuses ${c.name}`, () => {
      const sub = `case-${CASES.indexOf(c)}`;
      for (const [rel, text] of Object.entries(c.files ?? {})) p.write(join(sub, rel), text);
      if (c.binary) p.write(join(sub, c.binary), "");
      if (c.binary) writeFileSync(join(p.dir, sub, c.binary), Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x00, 0x01, 0x02, 0xff, 0xfe]));
      // A good document beside the bad one must not be applied either.
      p.write(join(sub, "zz-good.yaml"), agent(`should-not-exist-${CASES.indexOf(c)}`));
      const db = join(p.dir, ".orchestrator/state.db");
      const before = sha(db);
      const arg = c.arg === "." ? join(sub) : join(sub, c.arg);
      const r = p.run(["apply", "-f", arg, "-f", join(sub, "zz-good.yaml")]);
      expect(r.code).not.toBe(0);
      for (const re of c.expect) expect(r.stderr).toMatch(re);
      expect(r.stdout).toBe("");
      expect(sha(db)).toBe(before);
      expect(existsSync(db + "-wal") ? readFileSync(db + "-wal").length : 0).toBe(0);
      expect(p.run(["get", "agents", "-o", "name"]).stdout).toBe("agent/kept\n");
    });
  }
});
