import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { initializedProject } from "../../support/cli.js";
import { withClosedStdout, type Project } from "../task-support.js";

describe("a closed output pipe", { timeout: 120_000 }, () => {
  let p: Project;
  beforeAll(() => {
    p = initializedProject({ "m.yaml": "apiVersion: orchestrator.dev/v2\nkind: Workspace\nmetadata:\n  name: w\nspec:\n  root_path: \".\"\n" });
    expect(p.run(["apply", "-f", "m.yaml"]).code).toBe(0);
  });
  afterAll(() => p?.cleanup());

  for (const args of [["controller", "status"], ["event", "list"], ["get", "workspaces"], ["version"]]) {
    it(`ends \`${args.join(" ")}\` quietly with status 0, without a stack trace`, async () => {
      const r = await withClosedStdout(p, args);
      expect(r.stderr).toBe("");
      expect(r).toMatchObject({ code: 0, signal: null });
    });
  }
});
