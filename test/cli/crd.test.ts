/**
 * CustomResourceDefinitions own their names and their instances: a CRD may
 * not claim a name of a built-in kind or of another CRD, must serve a
 * version, and cannot be deleted or pruned from under its instances unless
 * they go with it; `manifest export` never emits an instance whose CRD is
 * gone, so what it prints applies back.
 */
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { openStore } from "../../src/store/sqlite/open.js";
import { homeAt } from "../../src/store/home.js";
import { initializedProject } from "../support/cli.js";

const crd = (name: string, kind: string, plural: string, shortNames: string[], extra = ""): string => `apiVersion: orchestrator.dev/v2
kind: CustomResourceDefinition
metadata:
  name: ${name}
spec:
  kind: ${kind}
  plural: ${plural}
  short_names: [${shortNames.join(", ")}]
  group: eval.example.com
  versions:
    - name: v1
${extra || `      schema:
        type: object
        properties:
          criteria: {type: array, items: {type: string}}
`}`;

const RUBRICS = crd("rubrics.eval.example.com", "Rubric", "rubrics", ["rb"]);
const rubric = (name: string, project?: string): string => `apiVersion: eval.example.com/v1
kind: Rubric
metadata:
  name: ${name}
${project ? `  project: ${project}\n` : ""}spec:
  criteria: [tests pass]
`;
const docs = (...ds: string[]): string => ds.join("---\n");

describe("CustomResourceDefinition names", () => {
  let p: ReturnType<typeof initializedProject>;
  afterEach(() => p?.cleanup());

  it("refuse a kind, plural or short name of a built-in kind, with file:line, applying nothing", () => {
    p = initializedProject({
      "kind.yaml": crd("w.eval.example.com", "Workflow", "myflows", []),
      "plural.yaml": crd("a.eval.example.com", "Helper", "agents", []),
      "short.yaml": crd("s.eval.example.com", "Scope", "scopes", ["sc", "ws"]),
      "alias.yaml": crd("p.eval.example.com", "Proj", "projs", []),
    });
    const cases: [string, RegExp][] = [
      ["kind.yaml", /spec\.kind: kind 'Workflow' is a built-in kind and cannot be redefined \(kind\.yaml:6:9\)/],
      ["plural.yaml", /spec\.plural: plural 'agents' is a name of the built-in kind Agent \(plural\.yaml:7:11\)/],
      ["short.yaml", /spec\.short_names\[1\]: short name 'ws' is a name of the built-in kind Workspace \(short\.yaml:8:21\)/],
      ["alias.yaml", /spec\.kind: kind 'Proj' is a name of the built-in kind Project/],
    ];
    for (const [file, message] of cases) {
      const r = p.run(["apply", "-f", file]);
      expect(r.code, file).toBe(1);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).toMatch(/nothing was applied/);
      expect(p.run(["manifest", "validate", "-f", file]).code).toBe(1);
    }
    expect(p.run(["get", "crd", "-o", "name"]).stdout).toBe("");
  });

  it("refuse a name another CRD holds, in the same set or already applied; re-applying the same CRD is fine", () => {
    p = initializedProject({
      "rubrics.yaml": RUBRICS,
      "both.yaml": docs(RUBRICS, crd("scores.eval.example.com", "Score", "scores", ["rb"])),
      "later.yaml": crd("grades.eval.example.com", "Grade", "rubrics", ["gr"]),
      "samekind.yaml": crd("other-rubrics.eval.example.com", "Rubric", "otherrubrics", []),
    });
    const both = p.run(["apply", "-f", "both.yaml"]);
    expect(both.code).toBe(1);
    // Each side is told, with where the other one is.
    expect(both.stderr).toContain("customresourcedefinition/rubrics.eval.example.com: spec.short_names[0]: short name 'rb' is already claimed by customresourcedefinition/scores.eval.example.com at both.yaml:24:17");
    expect(both.stderr).toContain("customresourcedefinition/scores.eval.example.com: spec.short_names[0]: short name 'rb' is already claimed by customresourcedefinition/rubrics.eval.example.com at both.yaml:8:17");
    expect(p.run(["get", "crd", "-o", "name"]).stdout).toBe("");

    expect(p.run(["apply", "-f", "rubrics.yaml"]).code).toBe(0);
    expect(p.run(["apply", "-f", "rubrics.yaml"]).stdout).toBe("customresourcedefinition/rubrics.eval.example.com unchanged\n");
    const later = p.run(["apply", "-f", "later.yaml"]);
    expect(later.code).toBe(1);
    expect(later.stderr).toMatch(/spec\.plural: plural 'rubrics' is already claimed by customresourcedefinition\/rubrics\.eval\.example\.com, already applied \(later\.yaml:7:11\)/);
    const sameKind = p.run(["apply", "-f", "samekind.yaml"]);
    expect(sameKind.code).toBe(1);
    expect(sameKind.stderr).toMatch(/spec\.kind: kind 'Rubric' is already claimed by customresourcedefinition\/rubrics\.eval\.example\.com/);
    expect(p.run(["get", "crd", "-o", "name"]).stdout).toBe("customresourcedefinition/rubrics.eval.example.com\n");
  });

  it("refuse a CRD that serves no version", () => {
    p = initializedProject({ "unserved.yaml": crd("u.eval.example.com", "Unserved", "unserveds", [], "      served: false\n    - name: v2\n      served: false\n") });
    for (const args of [["apply", "-f", "unserved.yaml"], ["manifest", "validate", "-f", "unserved.yaml"]]) {
      const r = p.run(args);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/spec\.versions: no version is served, so no instance of this kind could be applied \(unserved\.yaml:11:5\)/);
    }
  });
});

describe("deleting a CustomResourceDefinition", () => {
  let p: ReturnType<typeof initializedProject>;
  afterEach(() => p?.cleanup());
  const NAME = "rubrics.eval.example.com";

  it("is refused while instances live, unless --force, which deletes them in every project too", () => {
    p = initializedProject({ "crd.yaml": RUBRICS, "instances.yaml": docs(rubric("style"), rubric("tests"), rubric("style", "web")) });
    expect(p.run(["apply", "-f", "crd.yaml"]).code).toBe(0);
    expect(p.run(["apply", "-f", "instances.yaml"]).code).toBe(0);

    const refused = p.run(["delete", `crd/${NAME}`]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe(
      `error: customresourcedefinition/${NAME} still has 3 Rubric instances: default/style, default/tests, web/style\ndelete them first, or pass --force to delete them with it; nothing was deleted\n`,
    );
    expect(p.run(["get", "crd", "-o", "name"]).stdout).toBe(`customresourcedefinition/${NAME}\n`);

    const dry = p.run(["delete", `crd/${NAME}`, "--force", "--dry-run"]);
    expect(dry.stdout).toBe(
      `customresourcedefinition/${NAME} deleted (dry run)\nrubric/style deleted (project default) (dry run)\nrubric/tests deleted (project default) (dry run)\nrubric/style deleted (project web) (dry run)\n`,
    );
    expect(p.run(["get", "rb", "-A", "-o", "name"]).stdout).toBe("rubric/style\nrubric/tests\nrubric/style\n");

    const forced = p.run(["delete", `crd/${NAME}`, "--force"]);
    expect(forced.code, forced.stderr).toBe(0);
    expect(forced.stdout).toBe(`customresourcedefinition/${NAME} deleted\nrubric/style deleted (project default)\nrubric/tests deleted (project default)\nrubric/style deleted (project web)\n`);
    expect(p.run(["get", "crd", "-o", "name"]).stdout).toBe("");
    const exported = p.run(["manifest", "export"]);
    expect(exported.stdout).not.toMatch(/Rubric/);
    // Only init's source is left: sources are configuration, exported like any other.
    expect(exported.stdout).toBe("apiVersion: orchestrator.dev/v2\nkind: Source\nmetadata:\n  name: default\nspec:\n  dir: manifests\n");
    expect(exported.stderr).toBe("");
  });

  it("with no instances left needs nothing more than any delete", () => {
    p = initializedProject({ "crd.yaml": docs(RUBRICS, rubric("style")) });
    expect(p.run(["apply", "-f", "crd.yaml"]).code).toBe(0);
    expect(p.run(["delete", "rubric/style", "--force"]).stdout).toBe("rubric/style deleted\n");
    expect(p.run(["delete", `crd/${NAME}`, "--force"]).stdout).toBe(`customresourcedefinition/${NAME} deleted\n`);
  });

  it("by prune is refused while instances stay; pruning them with it is not", () => {
    p = initializedProject({
      "crd.yaml": docs(RUBRICS, rubric("style")),
      "other-crd.yaml": crd("scores.eval.example.com", "Score", "scores", []),
    });
    expect(p.run(["apply", "-f", "crd.yaml"]).code).toBe(0);
    const refused = p.run(["apply", "-f", "other-crd.yaml", "--prune"]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`customresourcedefinition/${NAME}: pruning it would leave 1 Rubric resource without a definition: default/style`);
    expect(p.run(["get", "crd", "-o", "name"]).stdout).toBe(`customresourcedefinition/${NAME}\n`);
    expect(p.run(["get", "scores", "-o", "name"]).code).toBe(2); // the other CRD was not applied either

    expect(p.run(["delete", "rubric/style", "--force"]).code).toBe(0);
    const pruned = p.run(["apply", "-f", "other-crd.yaml", "--prune"]);
    expect(pruned.code, pruned.stderr).toBe(0);
    expect(pruned.stdout).toBe(`customresourcedefinition/scores.eval.example.com created\ncustomresourcedefinition/${NAME} pruned\n`);
  });
});

describe("manifest export and CRDs", () => {
  let p: ReturnType<typeof initializedProject>;
  let q: ReturnType<typeof initializedProject> | undefined;
  afterEach(() => {
    p?.cleanup();
    q?.cleanup();
    q = undefined;
  });

  it("leaves out an instance whose CRD is gone (a store an older version left), so the export applies back", () => {
    p = initializedProject({ "crd.yaml": docs(RUBRICS, rubric("style")), "ws.yaml": "apiVersion: orchestrator.dev/v2\nkind: Workspace\nmetadata:\n  name: ws\nspec:\n  root_path: .\n" });
    expect(p.run(["apply", "-f", "crd.yaml", "-f", "ws.yaml"]).code).toBe(0);
    // Earlier versions let a CRD be deleted from under its instances.
    const store = openStore(homeAt(join(p.dir, ".orchestrator")));
    try {
      store.commit([{ op: "delete", key: { project: "", kind: "CustomResourceDefinition", name: "rubrics.eval.example.com" }, reason: "deleted" }], "test");
    } finally {
      store.close();
    }
    const exported = p.run(["manifest", "export"]);
    expect(exported.code).toBe(0);
    expect(exported.stdout).not.toMatch(/Rubric/);
    expect(exported.stdout).toMatch(/kind: Workspace/);
    expect(exported.stderr).toMatch(/note: rubric\/style \(project default\) left out: no CustomResourceDefinition defines Rubric as eval\.example\.com\/v1/);

    q = initializedProject({ "all.yaml": exported.stdout });
    const applied = q.run(["apply", "-f", "all.yaml"]);
    expect(applied.code, applied.stderr).toBe(0);
    expect(q.run(["manifest", "export"]).stdout).toBe(exported.stdout);
  });
});
