/**
 * An Agent's command_rules through the built CLI: the first rule whose CEL
 * holds over the step's pipeline variables gives the command; none, the
 * agent's own command; a rule that cannot be evaluated fails the step.
 */
import { afterEach, describe, expect, it } from "vitest";
import { initializedProject } from "../support/cli.js";
import { info, type Project } from "./task-support.js";

const doc = (kind: string, name: string, spec: string): string => `---\napiVersion: orchestrator.dev/v2\nkind: ${kind}\nmetadata:\n  name: ${name}\nspec:\n${spec}`;

const MANIFEST = [
  doc("Workspace", "w", `  root_path: "."\n`),
  doc("StepTemplate", "t", `  prompt: do it\n`),
  doc(
    "Agent",
    "session",
    `  capabilities: [start, go]
  command: "echo '{\\"session_id\\":\\"ses-1\\"}'; echo NEW-SESSION"
  command_rules:
    - when: 'mode == "fast"'
      command: echo FAST
    - when: 'loop_session_id != ""'
      command: echo RESUMED $ORCH_SESSION
`,
  ),
  doc("Agent", "broken", `  capabilities: [broken]\n  command: echo default\n  command_rules:\n    - when: loop_session_id\n      command: echo never\n`),
  doc(
    "Workflow",
    "sessions",
    `  steps:
    - id: create_session
      required_capability: start
      template: t
      behavior:
        captures:
          - var: loop_session_id
            source: stdout
            json_path: "$.session_id"
    - id: follow
      required_capability: go
      template: t
`,
  ),
  doc("Workflow", "broken", `  steps:\n    - id: b\n      required_capability: broken\n      template: t\n`),
].join("\n");

describe("Agent command_rules", () => {
  let p: Project;
  afterEach(() => p?.cleanup());

  it("runs the first matching rule's command, the agent's own when none matches, and records which", () => {
    p = initializedProject({ "m.yaml": MANIFEST });
    expect(p.run(["apply", "-f", "m.yaml"]).code).toBe(0);
    const r = p.run(["run", "--workflow", "sessions", "-o", "json"]);
    expect(r.code).toBe(0);
    const lines = r.stdout.split("\n");
    expect(lines).toContain("NEW-SESSION");
    expect(lines.some((l) => l.startsWith("RESUMED"))).toBe(true);
    const runs = (JSON.parse(p.run(["task", "info", (JSON.parse(lines.filter(Boolean).at(-1)!) as { id: string }).id, "-o", "json"]).stdout) as { runs: Array<{ step: string; commandRule: number | null }> }).runs;
    expect(runs.map((x) => [x.step, x.commandRule])).toEqual([
      ["create_session", null],
      ["follow", 1],
    ]);

    const fast = p.run(["run", "--workflow", "sessions", "--set", "mode=fast"]);
    expect(fast.code).toBe(0);
    // The first rule wins from the first step on; the second never gets a say.
    expect(fast.stdout.split("\n").filter((l) => l === "FAST")).toHaveLength(2);
    expect(fast.stdout + fast.stderr).toContain("agent session: command_rules[0] matched");
  });

  it("a rule that is not a bool fails the step, and no command runs", () => {
    p = initializedProject({ "m.yaml": MANIFEST });
    expect(p.run(["apply", "-f", "m.yaml"]).code).toBe(0);
    const r = p.run(["run", "--workflow", "broken", "-o", "json"]);
    expect(r.code).toBe(1);
    expect(r.stdout).not.toContain("default");
    const t = info(p, (JSON.parse(r.stdout.trim().split("\n").at(-1)!) as { id: string }).id);
    expect(t.runs[0]!.reason).toContain("agent 'broken' command_rules[0] must evaluate to a bool");
  });
});
