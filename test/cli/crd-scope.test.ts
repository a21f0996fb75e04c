/**
 * CustomResourceDefinitions are cluster-wide, like Projects: one per name in
 * the store whatever project they are applied with, found by get, describe,
 * delete and export with or without --project, and kept when a project is
 * deleted. Their instances stay project-scoped.
 */
import { afterEach, describe, expect, it } from "vitest";
import { initializedProject } from "../support/cli.js";

const CRD = `apiVersion: orchestrator.dev/v2
kind: CustomResourceDefinition
metadata:
  name: rubrics.eval.example.com
spec:
  kind: Rubric
  plural: rubrics
  short_names: [rb]
  group: eval.example.com
  versions:
    - name: v1
      schema:
        type: object
        properties:
          criteria: {type: array, items: {type: string}}
---
apiVersion: eval.example.com/v1
kind: Rubric
metadata:
  name: code-review
spec:
  criteria: [tests pass]
`;
const NAME = "rubrics.eval.example.com";

describe("CustomResourceDefinitions are cluster-wide", () => {
  let p: ReturnType<typeof initializedProject>;
  afterEach(() => p?.cleanup());

  it("are stored once whatever project they are applied with; their instances per project", () => {
    p = initializedProject({ "crd.yaml": CRD });
    expect(p.run(["apply", "-f", "crd.yaml", "--project", "web"]).stdout).toBe(`customresourcedefinition/${NAME} created\nrubric/code-review created\n`);
    expect(p.run(["apply", "-f", "crd.yaml"]).stdout).toBe(`customresourcedefinition/${NAME} unchanged\nrubric/code-review created\n`);
    expect(p.run(["get", "crd", "-o", "name"]).stdout).toBe(`customresourcedefinition/${NAME}\n`);
    expect(p.run(["get", "crd", "-o", "name", "--project", "web"]).stdout).toBe(`customresourcedefinition/${NAME}\n`);
    const all = p.run(["get", "crd", "-A"]);
    expect(all.stdout.split("\n")[0]).toMatch(/^NAME\s+KIND\s+GROUP/);
    expect(all.stdout.trim().split("\n")).toHaveLength(2);
    expect(p.run(["get", "rb", "-A", "-o", "name"]).stdout).toBe("rubric/code-review\nrubric/code-review\n");
    const json = JSON.parse(p.run(["get", "crd", NAME, "-o", "json"]).stdout);
    expect(json.metadata.project).toBeUndefined();
  });

  it("are found by get, describe and delete with or without --project", () => {
    p = initializedProject({ "crd.yaml": CRD });
    expect(p.run(["apply", "-f", "crd.yaml", "--project", "web"]).code).toBe(0);
    for (const flags of [[], ["--project", "web"], ["--project", "other"]]) {
      const got = p.run(["get", "crd", NAME, "-o", "name", ...flags]);
      expect(got.stdout, flags.join(" ")).toBe(`customresourcedefinition/${NAME}\n`);
      const described = p.run(["describe", `crd/${NAME}`, ...flags]);
      expect(described.code, described.stderr).toBe(0);
      expect(described.stdout).toMatch(/Kind:\s+CustomResourceDefinition/);
      expect(described.stdout).not.toMatch(/^Project:/m);
      expect(described.stdout).toMatch(/resource_created/);
    }
    // --force takes the CRD's instances with it, whatever their project.
    const deleted = p.run(["delete", `crd/${NAME}`, "--force", "--project", "other"]);
    expect(deleted.stdout).toBe(`customresourcedefinition/${NAME} deleted\nrubric/code-review deleted (project web)\n`);
    expect(p.run(["get", "crd", "-o", "name"]).stdout).toBe("");
  });

  it("survive deleting a project", () => {
    p = initializedProject({ "crd.yaml": CRD });
    expect(p.run(["apply", "-f", "crd.yaml"]).code).toBe(0);
    expect(p.run(["delete", "project/default", "--force"]).stdout).toBe("project/default deleted: 1 resource, 0 tasks, 0 runs, 0 logs, 0 tickets removed\n");
    expect(p.run(["get", "crd", "-o", "name"]).stdout).toBe(`customresourcedefinition/${NAME}\n`);
    expect(p.run(["get", "rb", "-o", "name"]).stdout).toBe("");
  });

  it("export once, so export -> apply into an empty store -> export round-trips", () => {
    p = initializedProject({ "crd.yaml": CRD });
    p.run(["apply", "-f", "crd.yaml", "--project", "web"]);
    p.run(["apply", "-f", "crd.yaml"]);
    const first = p.run(["manifest", "export"]);
    expect(first.code).toBe(0);
    expect(first.stdout.match(/kind: CustomResourceDefinition/g)).toHaveLength(1);
    const q = initializedProject({ "all.yaml": first.stdout });
    try {
      const applied = q.run(["apply", "-f", "all.yaml"]);
      expect(applied.code, applied.stderr).toBe(0);
      expect(q.run(["manifest", "export"]).stdout).toBe(first.stdout);
    } finally {
      q.cleanup();
    }
    // One project's export carries the CRD its instances need.
    const web = p.run(["manifest", "export", "--project", "web"]).stdout;
    expect(web).toMatch(/kind: CustomResourceDefinition/);
    expect(web).toMatch(/kind: Rubric\nmetadata:\n {2}name: code-review\n {2}project: web/);
  });

  it("ignore metadata.project with a warning, and take no error from --project", () => {
    p = initializedProject({ "crd.yaml": CRD.replace(`  name: ${NAME}\n`, `  name: ${NAME}\n  project: web\n`) });
    const r = p.run(["apply", "-f", "crd.yaml", "--project", "ops"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/metadata\.project: metadata\.project is ignored: CustomResourceDefinition is cluster-wide/);
    expect(p.run(["get", "crd", "-o", "name"]).stdout).toBe(`customresourcedefinition/${NAME}\n`);
    expect(p.run(["get", "rb", "-o", "name", "--project", "ops"]).stdout).toBe("rubric/code-review\n");
  });
});
