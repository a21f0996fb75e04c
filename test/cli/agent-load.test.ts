/**
 * LoadBalanced selection through the built CLI: a run counts in its agent's
 * load from the moment the agent is chosen, so items started together are
 * spread over the agents.
 */
import { afterEach, describe, expect, it } from "vitest";
import { initializedProject } from "../support/cli.js";
import { info } from "./task-support.js";

const doc = (kind: string, name: string, spec: string): string => `apiVersion: orchestrator.dev/v2\nkind: ${kind}\nmetadata:\n  name: ${name}\nspec:\n${spec}`;
const agent = (name: string): string =>
  doc("Agent", name, `  capabilities: [review]\n  selection:\n    strategy: LoadBalanced\n  command: echo ${name} reviewed {rel_path}\n`);

describe("LoadBalanced selection", { timeout: 60_000 }, () => {
  let p: ReturnType<typeof initializedProject>;
  afterEach(() => p?.cleanup());

  it("sends two items started together to two different agents", () => {
    p = initializedProject({
      "m.yaml": [
        doc("Workspace", "w", `  root_path: "."\n  qa_targets: [docs/qa]\n`),
        agent("lb-a"),
        agent("lb-b"),
        doc("Workflow", "review", `  max_parallel: 2\n  steps:\n    - id: review\n      scope: item\n      required_capability: review\n`),
      ].join("---\n"),
      "docs/qa/one.md": "# one\n",
      "docs/qa/two.md": "# two\n",
    });
    expect(p.run(["apply", "-f", "m.yaml"]).code).toBe(0);
    const r = p.run(["run", "--workflow", "review"]);
    expect(r.code).toBe(0);
    const id = p.run(["task", "list", "-o", "name"]).stdout.trim().replace(/^task\//, "");
    const runs = (info(p, id).runs as Array<{ step: string; agent?: string | null }>).filter((x) => x.step === "review");
    expect(runs).toHaveLength(2);
    expect(new Set(runs.map((x) => x.agent))).toEqual(new Set(["lb-a", "lb-b"]));
    expect(r.stdout).toMatch(/lb-a reviewed docs\/qa\/(one|two)\.md/);
    expect(r.stdout).toMatch(/lb-b reviewed docs\/qa\/(one|two)\.md/);
  });
});
