import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { Ajv, type ValidateFunction } from "ajv";
import { parseAllDocuments } from "yaml";
import { describe, expect, it } from "vitest";
import { cli, initializedProject, REPO_ROOT, tempProject } from "../support/cli.js";

const KINDS = ["Project", "EnvStore", "SecretStore", "ExecutionProfile", "RuntimePolicy", "StoreBackendProvider", "WorkflowStore", "CustomResourceDefinition", "StepTemplate", "Agent", "Workspace", "Workflow", "Trigger", "Task", "Run", "Source"];

function yamlFiles(dir: string): string[] {
  return readdirSync(dir).sort().flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return yamlFiles(p);
    return /\.ya?ml$/.test(name) ? [p] : [];
  });
}

function documentsOf(file: string): unknown[] {
  return parseAllDocuments(readFileSync(file, "utf8")).map((d) => d.toJS()).filter((d) => d !== null && d !== undefined);
}

/**
 * A published schema compiled by a strict ajv, as an editor's validator reads
 * it: printed by the built CLI, or (for the per-kind files, which another
 * test checks against the CLI) read from the package's schemas/.
 */
function compiled(kind?: string, from: "cli" | "file" = "cli"): ValidateFunction {
  let text: string;
  if (from === "file") text = readFileSync(join(REPO_ROOT, "schemas", `${kind!.toLowerCase()}.json`), "utf8");
  else {
    const r = cli(kind ? ["schema", kind] : ["schema"], { cwd: REPO_ROOT });
    expect(r.code, r.stderr).toBe(0);
    text = r.stdout;
  }
  return new Ajv({ allErrors: true, strict: true, strictRequired: false, strictTypes: false, allowUnionTypes: true }).compile(JSON.parse(text));
}

/** Every property of every object below `node`, with its path. */
function properties(node: unknown, path: string, out: Array<[string, Record<string, unknown>]>): void {
  if (Array.isArray(node)) {
    node.forEach((n, i) => properties(n, `${path}[${i}]`, out));
    return;
  }
  if (typeof node !== "object" || node === null) return;
  const o = node as Record<string, unknown>;
  for (const [k, v] of Object.entries(o)) {
    if (k === "properties" && typeof v === "object" && v !== null) {
      for (const [name, field] of Object.entries(v as Record<string, unknown>)) {
        out.push([`${path}.${name}`, field as Record<string, unknown>]);
        properties(field, `${path}.${name}`, out);
      }
    } else properties(v, `${path}/${k}`, out);
  }
}

describe("orchestrator schema", () => {
  it("accepts every document of manifests/ and presets/, by the all-kinds schema and by each kind's own", () => {
    const any = compiled();
    const perKind = new Map(KINDS.map((k) => [k, compiled(k, "file")]));
    const files = [...yamlFiles(join(REPO_ROOT, "manifests")), ...yamlFiles(join(REPO_ROOT, "presets"))];
    expect(files.length).toBeGreaterThan(5);
    let count = 0;
    for (const file of files) {
      for (const doc of documentsOf(file)) {
        const where = relative(REPO_ROOT, file);
        expect(any(doc), `${where}: ${JSON.stringify(any.errors)}`).toBe(true);
        const kind = (doc as { kind: string }).kind;
        const own = perKind.get(kind)!;
        expect(own(doc), `${where} as ${kind}: ${JSON.stringify(own.errors)}`).toBe(true);
        count++;
      }
    }
    expect(count).toBeGreaterThan(10);
  });

  it("rejects a document with a misspelt field, a wrong type, a bad name or a missing required field", () => {
    const any = compiled();
    const agent = (spec: Record<string, unknown>, name = "coder"): unknown => ({ apiVersion: "orchestrator.dev/v2", kind: "Agent", metadata: { name }, spec });
    expect(any(agent({ command: "echo", capabilities: ["x"] }))).toBe(true);
    expect(any(agent({ comand: "echo" }))).toBe(false);
    expect(any.errors?.map((e) => e.message).join(";")).toMatch(/additional properties|required property 'command'/);
    expect(any(agent({ command: "echo", capabilities: "x" }))).toBe(false);
    expect(any(agent({ command: "echo", promptDelivery: "pipe" }))).toBe(false);
    expect(any(agent({ command: "echo" }, "my agent"))).toBe(false);
    const wf = compiled("workflow");
    expect(wf({ apiVersion: "orchestrator.dev/v2", kind: "Workflow", metadata: { name: "w" }, spec: { steps: [{ id: "a", timeout_secs: "ten" }] } })).toBe(false);
    expect(wf({ apiVersion: "orchestrator.dev/v2", kind: "Workflow", metadata: { name: "w" }, spec: { steps: [{ id: "a", chain_steps: [{ id: "b", tty: "yes" }] }] } })).toBe(false);
    expect(wf({ apiVersion: "orchestrator.dev/v2", kind: "Agent", metadata: { name: "w" }, spec: { steps: [{ id: "a" }] } })).toBe(false);
    const source = compiled("source");
    const src = (spec: Record<string, unknown>): unknown => ({ apiVersion: "orchestrator.dev/v2", kind: "Source", metadata: { name: "platform" }, spec });
    expect(source(src({ url: "https://example.com/org/platform.git", ref: "main", path: "manifests", interval: "5m", prune: true, suspend: false }))).toBe(true);
    expect(source(src({ url: "https://example.com/org/platform.git", branch: "main" }))).toBe(false);
    expect(source(src({ dir: "manifests", suspend: "yes" }))).toBe(false);
  });

  it("accepts a wrong file only where manifest validate warns, and rejects what it rejects", () => {
    const t = tempProject({ "bad.yaml": "apiVersion: orchestrator.dev/v2\nkind: Workspace\nmetadata:\n  name: w\nspec:\n  root_path: 7\n" });
    try {
      const v = cli(["manifest", "validate", "-f", "bad.yaml"], { cwd: t.dir });
      expect(v.code).toBe(1);
      const any = compiled();
      expect(any(documentsOf(join(t.dir, "bad.yaml"))[0])).toBe(false);
    } finally {
      t.cleanup();
    }
  });

  it("names a schema that exists in the modeline of every bundled manifest, as yaml-language-server reads it", () => {
    for (const file of yamlFiles(join(REPO_ROOT, "manifests"))) {
      const first = readFileSync(file, "utf8").split("\n")[0]!;
      const m = /^# yaml-language-server: \$schema=(\S+)$/.exec(first);
      expect(m, relative(REPO_ROOT, file)).not.toBeNull();
      expect(statSync(join(file, "..", m![1]!)).isFile()).toBe(true);
    }
  });

  it("describes every field of every kind", () => {
    const r = cli(["schema"], { cwd: REPO_ROOT });
    const fields: Array<[string, Record<string, unknown>]> = [];
    properties(JSON.parse(r.stdout), "", fields);
    expect(fields.length).toBeGreaterThan(200);
    const missing = fields.filter(([, f]) => typeof f["description"] !== "string");
    // Conditional `if` branches name fields only to test their value; they are not fields of their own.
    const real = missing.filter(([p]) => !/\/(if|then|allOf)/.test(p));
    expect(real.map(([p]) => p)).toEqual([]);
  });

  it("ships in schemas/ exactly what `schema` prints, one file per kind plus orchestrator.json", () => {
    const dir = join(REPO_ROOT, "schemas");
    expect(readdirSync(dir).sort()).toEqual([...KINDS.map((k) => `${k.toLowerCase()}.json`), "orchestrator.json"].sort());
    expect(JSON.parse(readFileSync(join(dir, "orchestrator.json"), "utf8"))).toEqual(JSON.parse(cli(["schema"], { cwd: REPO_ROOT }).stdout));
    expect(JSON.parse(readFileSync(join(dir, "workflow.json"), "utf8"))).toEqual(JSON.parse(cli(["schema", "wf"], { cwd: REPO_ROOT }).stdout));
    const pkg = JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as { files: string[] };
    expect(pkg.files).toContain("schemas");
  });

  it("refuses an unknown kind with the known ones, exit 2", () => {
    const r = cli(["schema", "agnet"], { cwd: REPO_ROOT });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown kind 'agnet' \(did you mean 'Agent'\?\); known kinds: Project, /);
  });
});

describe("orchestrator explain", () => {
  it("prints a field's type, whether it is required, its meaning and its own fields", () => {
    const r = cli(["explain", "wf.spec.steps.prehook"], { cwd: REPO_ROOT });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("KIND:     Workflow\nVERSION:  orchestrator.dev/v2\n");
    expect(r.stdout).toContain("FIELD: prehook <Object>");
    expect(r.stdout).toMatch(/DESCRIPTION:\n {4}A CEL gate/);
    expect(r.stdout).toMatch(/ {2}when\t<string>\n {4}CEL expression/);
    const leaf = cli(["explain", "agent.spec.promptDelivery"], { cwd: REPO_ROOT });
    expect(leaf.stdout).toContain("FIELD: promptDelivery <string>");
    expect(leaf.stdout).toContain("one of: arg, stdin, file, env");
    expect(cli(["explain", "agent.spec.command"], { cwd: REPO_ROOT }).stdout).toContain("FIELD: command <string> -required-");
    expect(cli(["explain", "agent.spec.env"], { cwd: REPO_ROOT }).stdout).toContain("FIELD: env <[]Object>");
  });

  it("lists the whole tree with --recursive, a recursive step only once", () => {
    const r = cli(["explain", "workflow.spec", "--recursive"], { cwd: REPO_ROOT });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/\n {2}steps\t<\[\]Object> -required-\n {4}id\t<string> -required-/);
    expect(r.stdout).toMatch(/ {6}when\t<string>/);
    expect(r.stdout.match(/chain_steps/g)?.length).toBe(1);
  });

  it("names the field that does not exist and suggests the near one", () => {
    const r = cli(["explain", "agent.spec.comand"], { cwd: REPO_ROOT });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("error: Agent: field 'comand' does not exist in 'spec'; did you mean 'command'?\n");
  });

  it("explains a kind a CustomResourceDefinition in the store defines", () => {
    const p = initializedProject({
      "crd.yaml": [
        "apiVersion: orchestrator.dev/v2", "kind: CustomResourceDefinition", "metadata:", "  name: rubrics.qa.example.com", "spec:",
        "  kind: Rubric", "  plural: rubrics", "  group: qa.example.com", "  versions:", "    - name: v1", "      schema:", "        type: object",
        "        properties:", "          criteria:", "            type: string", "            description: What a reviewer checks", "",
      ].join("\n"),
    });
    try {
      expect(p.run(["apply", "-f", "crd.yaml"]).code).toBe(0);
      const r = p.run(["explain", "rubrics.spec.criteria"]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain("KIND:     Rubric\nVERSION:  qa.example.com/v1\n");
      expect(r.stdout).toContain("What a reviewer checks");
      expect(JSON.parse(p.run(["schema", "rubric"]).stdout).properties.apiVersion.const).toBe("qa.example.com/v1");
    } finally {
      p.cleanup();
    }
  });
});
