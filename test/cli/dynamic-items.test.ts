/**
 * Items generated at run time and selected among, through `orchestrator
 * run`: the guide's WP03 examples (generate_items from a variable, the
 * item_select builtin with a weighted strategy and top_k), `replace`
 * setting the workspace's items aside (upstream's narrowing fixture), item
 * labels and variables reaching item steps, store_result, and a list that
 * cannot be read failing the step.
 */
import { afterEach, describe, expect, it } from "vitest";
import { initializedProject } from "../support/cli.js";

const doc = (kind: string, name: string, spec: string): string => `apiVersion: orchestrator.dev/v2\nkind: ${kind}\nmetadata:\n  name: ${name}\nspec:\n${spec}`;

interface ItemJson {
  path: string;
  status: string;
  source: string;
  label: string | null;
  vars: Record<string, string>;
}

describe("dynamic items and selection", () => {
  let p: ReturnType<typeof initializedProject>;
  afterEach(() => p?.cleanup());

  const items = (): ItemJson[] => {
    const id = (JSON.parse(p.run(["task", "list", "-o", "json"]).stdout).items as Array<{ id: string }>).at(-1)!.id;
    return (JSON.parse(p.run(["task", "info", id, "-o", "json"]).stdout) as { items: ItemJson[] }).items;
  };

  it("runs the guide's WP03 example: generate_items from a variable, then item_select keeps the top_k by weighted score", () => {
    p = initializedProject({
      "m.yaml": [
        doc("Workspace", "w", '  root_path: "."\n'),
        doc(
          "Workflow",
          "wp03",
          `  steps:
    - id: generate
      scope: task
      enabled: true
      command: "echo '[\\"fast\\",\\"safe\\",\\"balanced\\",\\"lazy\\"]'"
      behavior:
        captures:
          - var: candidates
            source: stdout
        post_actions:
          - type: generate_items
            from_var: candidates

    - id: evaluate
      scope: item
      command: "case {qa_file_path} in fast) echo '{\\"confidence\\":0.9,\\"quality_score\\":0.5}';; safe) echo '{\\"confidence\\":0.6,\\"quality_score\\":0.9}';; balanced) echo '{\\"confidence\\":0.8,\\"quality_score\\":0.8}';; *) echo '{\\"confidence\\":0.1,\\"quality_score\\":0.1}';; esac"

    - id: select_best
      scope: task
      builtin: item_select
      enabled: true
      item_select_config:
        strategy: weighted
        metric_key: quality_score
        top_k: 3
        threshold: 0.7
        weights:
          confidence: 0.4
          quality_score: 0.6

    - id: report
      scope: task
      command: "echo winner={item_select_winner_path}"
`,
        ),
      ].join("---\n"),
    });
    expect(p.run(["apply", "-f", "m.yaml"]).code).toBe(0);
    const r = p.run(["run", "--workflow", "wp03"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("generate_items: 4 item(s) created");
    // balanced 0.8 > safe 0.78 > fast 0.66 > lazy 0.1: the best three are kept, the winner first.
    expect(r.stderr).toContain("item_select kept balanced, safe, fast, eliminated lazy");
    expect(r.stdout).toContain("winner=balanced");
    expect(items().map((i) => [i.path, i.source, i.status])).toEqual([
      ["fast", "generated", "qa_passed"],
      ["safe", "generated", "qa_passed"],
      ["balanced", "generated", "qa_passed"],
      ["lazy", "generated", "eliminated"],
    ]);
    expect(JSON.parse(p.run(["event", "list", "--type", "items_generated", "-o", "json"]).stdout).items[0].data).toMatchObject({ step: "generate", count: 4, replace: false });
  });

  it("replaces the workspace's items with the generated list (upstream's narrowing fixture), labels and vars reaching the item steps", () => {
    const files: Record<string, string> = {};
    for (const f of ["target-a", "target-b", "static-skip-1", "static-skip-2", "static-skip-3"]) files[`qa/${f}.md`] = `# ${f}\n`;
    p = initializedProject({
      ...files,
      "m.yaml": [
        doc("Workspace", "w", '  root_path: "."\n  qa_targets: [qa]\n'),
        doc(
          "Workflow",
          "narrow",
          `  steps:
    - id: qa_doc_gen
      scope: task
      command: >-
        printf '%s' 'Targets: {"regression_targets":[{"id":"qa/target-a.md","name":"target-a","why":"login"},{"id":"qa/target-b.md","name":"target-b","why":"logout"}]}'
      behavior:
        post_actions:
          - type: generate_items
            from_var: qa_doc_gen_output
            json_path: "$.regression_targets"
            mapping:
              item_id: "$.id"
              label: "$.name"
              vars:
                reason: "$.why"
            replace: true
    - id: qa_testing
      scope: item
      command: "echo testing {qa_file_path} as {item_label} because {reason}"
`,
        ),
      ].join("---\n"),
    });
    p.run(["apply", "-f", "m.yaml"]);
    const r = p.run(["run", "--workflow", "narrow"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("testing qa/target-a.md as target-a because login");
    expect(r.stdout).toContain("testing qa/target-b.md as target-b because logout");
    expect(r.stdout).not.toContain("static-skip");
    const all = items();
    expect(all.filter((i) => i.status === "replaced").map((i) => i.path)).toEqual(["qa/static-skip-1.md", "qa/static-skip-2.md", "qa/static-skip-3.md", "qa/target-a.md", "qa/target-b.md"]);
    expect(all.filter((i) => i.source === "generated").map((i) => [i.path, i.label, i.vars["reason"], i.status])).toEqual([
      ["qa/target-a.md", "target-a", "login", "qa_passed"],
      ["qa/target-b.md", "target-b", "logout", "qa_passed"],
    ]);
  });

  it("writes the winner to store_result and keeps going with corpus-shaped wp05 config (metric_var, exit_code capture)", () => {
    p = initializedProject({
      "m.yaml": [
        doc("Workspace", "w", '  root_path: "."\n'),
        doc(
          "Workflow",
          "pick",
          `  steps:
    - id: plan
      scope: task
      command: "printf '%s' '{\\"candidates\\":[{\\"id\\":\\"alpha\\",\\"name\\":\\"alpha-approach\\"},{\\"id\\":\\"beta\\",\\"name\\":\\"beta-approach\\"}]}'"
      behavior:
        post_actions:
          - type: generate_items
            from_var: plan_output
            json_path: "$.candidates"
            mapping:
              item_id: "$.id"
              label: "$.name"
            replace: true
    - id: benchmark
      scope: item
      command: "test {qa_file_path} = beta"
      behavior:
        captures:
          - var: score
            source: exit_code
    - id: select_best
      type: item_select
      scope: task
      item_select_config:
        strategy: min
        metric_var: score
        store_result:
          namespace: evolution
          key: winner_latest
`,
        ),
      ].join("---\n"),
    });
    p.run(["apply", "-f", "m.yaml"]);
    const r = p.run(["run", "--workflow", "pick"]);
    expect(r.stderr).toContain("item_select kept beta, eliminated alpha; winner written to store 'evolution' key 'winner_latest'");
    const stored = JSON.parse(p.run(["store", "get", "evolution", "winner_latest"]).stdout);
    expect(stored).toMatchObject({ winner: "beta", label: "beta-approach", metric: "score", score: 0, eliminated: ["alpha"], cycle: 1 });
  });

  it("fails the step when the list cannot be read, and creates nothing", () => {
    p = initializedProject({
      "qa/x.md": "x",
      "m.yaml": [
        doc("Workspace", "w", '  root_path: "."\n  qa_targets: [qa]\n'),
        doc(
          "Workflow",
          "broken",
          `  steps:
    - id: qa_doc_gen
      scope: task
      command: "printf '%s' 'I found: {regression_targets: [target-a]}'"
      behavior:
        post_actions:
          - type: generate_items
            from_var: qa_doc_gen_output
            json_path: "$.regression_targets"
            replace: true
    - id: dup
      scope: task
      command: "echo '[\\"a\\",\\"a\\"]'"
      behavior:
        post_actions:
          - type: generate_items
            from_var: dup_output
`,
        ),
      ].join("---\n"),
    });
    p.run(["apply", "-f", "m.yaml"]);
    const r = p.run(["run", "--workflow", "broken"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("generate_items: qa_doc_gen_output: no JSON value in the output has path '$.regression_targets'");
    expect(r.stderr).toContain("generate_items: element 1 of '$' in dup_output: item id 'a' is given twice");
    expect(items().map((i) => [i.path, i.source])).toEqual([["qa/x.md", "static"]]);
  });
});
