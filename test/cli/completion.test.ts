import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, writeFileSync } from "node:fs";
import { delimiter, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLI, cli, initializedProject, REPO_ROOT, tempProject } from "../support/cli.js";

/** Debian's bash-completion, which the generated bash script relies on (as bash users have it). */
const BASH_COMPLETION = "/usr/share/bash-completion/bash_completion";

/** `orchestrator` on PATH, as the completion script calls it by name. */
function binDir(dir: string): string {
  const bin = join(dir, "bin");
  mkdirSync(bin, { recursive: true });
  writeFileSync(join(bin, "orchestrator"), `#!/bin/sh\nexec "${process.execPath}" "${CLI}" "$@"\n`);
  chmodSync(join(bin, "orchestrator"), 0o755);
  return bin;
}

/**
 * Sources the script `orchestrator completion bash` prints into a real bash,
 * then for each command line calls the completion function as bash does on
 * TAB (COMP_WORDS, COMP_CWORD, COMP_LINE, COMP_POINT) and collects COMPREPLY.
 */
function complete(cwd: string, bin: string, lines: readonly string[]): string[][] {
  const script = [
    `source ${BASH_COMPLETION}`,
    "source <(orchestrator completion bash)",
    "ask() {",
    '  COMP_LINE="$1"; COMP_POINT=${#COMP_LINE}',
    '  read -r -a COMP_WORDS <<< "$COMP_LINE"',
    '  if [[ "$COMP_LINE" == *" " ]]; then COMP_WORDS+=(""); fi',
    "  COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))",
    "  COMPREPLY=()",
    "  __orchestrator_complete 2>/dev/null",
    '  printf "%s\\n" "${COMPREPLY[@]}" | sort',
    '  echo "@@"',
    "}",
    ...lines.map((l) => `ask ${JSON.stringify(l)}`),
  ].join("\n");
  const r = spawnSync("bash", ["-c", script], { cwd, encoding: "utf8", env: { ...process.env, NO_COLOR: "1", ORCHESTRATOR_NO_DAEMON: "1", PATH: `${bin}${delimiter}${process.env["PATH"] ?? ""}` } });
  expect(r.status, r.stderr).toBe(0);
  const answers = r.stdout.split("@@\n").slice(0, lines.length);
  return answers.map((a) => a.split("\n").filter((x) => x !== ""));
}

describe("orchestrator completion", () => {
  let p: ReturnType<typeof initializedProject>;
  let bin: string;
  beforeAll(() => {
    expect(existsSync(BASH_COMPLETION), "bash-completion is installed (.ci/run installs it)").toBe(true);
    p = initializedProject();
    bin = binDir(p.dir);
    expect(p.run(["apply", "-f", join(REPO_ROOT, "manifests")]).code).toBe(0);
    expect(p.run(["task", "create", "--name", "nightly-greeting", "--workflow", "hello-world", "--no-start"]).code).toBe(0);
  });
  afterAll(() => p?.cleanup());

  it("completes commands, subcommands and flags in bash", () => {
    const [top, ap, task, flags, shells, afterDryRun] = complete(p.dir, bin, [
      "orchestrator ",
      "orchestrator ap",
      "orchestrator task re",
      "orchestrator get --pro",
      "orchestrator completion ",
      "orchestrator db migrate --dry-run --",
    ]);
    expect(top).toEqual(expect.arrayContaining(["apply", "get", "describe", "explain", "schema", "preset", "completion", "task"]));
    expect(top).not.toContain("complete");
    expect(ap).toEqual(["apply"]);
    expect(task).toEqual(["recover", "resume", "retry"]);
    expect(flags).toEqual(["--project"]);
    expect(shells).toEqual(["bash", "fish", "powershell", "zsh"]);
    // `--dry-run`'s value is optional (`--dry-run=server`): what follows it is another flag.
    expect(afterDryRun).toEqual(expect.arrayContaining(["--to", "--output"]));
  });

  it("completes kinds, flag values and resource names from the store", () => {
    const [kinds, names, prefix, slash, output, workflows, sources, tasks, explain, capabilities, tree, sourceNames, resultOutput] = complete(p.dir, bin, [
      "orchestrator get ",
      "orchestrator get agent ",
      "orchestrator get agents pl",
      "orchestrator describe agent/g",
      "orchestrator get agent -o ",
      "orchestrator run --workflow ",
      "orchestrator sync ",
      "orchestrator task info ",
      "orchestrator explain agent.spec.prompt",
      "orchestrator run --template plan --agent-capability ",
      "orchestrator source tree ",
      "orchestrator get source ",
      "orchestrator apply -o ",
    ]);
    expect(kinds).toEqual(expect.arrayContaining(["agent", "workflow", "workspace", "steptemplate", "task", "run"]));
    expect(names).toEqual(expect.arrayContaining(["builder", "greeter", "planner"]));
    expect(names).toEqual([...names].sort());
    expect(prefix).toEqual(["planner"]);
    expect(slash).toEqual(["agent/greeter"]);
    expect(output).toEqual(["custom-columns=", "json", "jsonpath=", "name", "table", "tree", "wide", "yaml"]);
    expect(workflows).toEqual(["hello-world", "plan-execute"]);
    expect(sources).toEqual(["default"]);
    expect(tasks).toEqual(["nightly-greeting"]);
    expect(explain).toEqual(["agent.spec.promptDelivery"]);
    expect(capabilities).toEqual(expect.arrayContaining(["greet", "implement", "plan", "verify"]));
    expect(tree).toEqual(["default"]);
    // Sources are resources: their names complete as any kind's do.
    expect(sourceNames).toEqual(["default"]);
    expect(kinds).toContain("source");
    // A command's result has no table: its own formats only.
    expect(resultOutput).toEqual(["json", "jsonpath=", "name", "text", "yaml"]);
  });

  it("completes the agents, triggers and retired keys the agent, trigger and secret key commands take", () => {
    p.write("hook.yaml", "apiVersion: orchestrator.dev/v2\nkind: Trigger\nmetadata:\n  name: on-push\nspec:\n  event:\n    source: webhook\n  action:\n    workflow: hello-world\n    workspace: default\n");
    expect(p.run(["apply", "-f", "hook.yaml"]).code).toBe(0);
    expect(p.run(["secret", "key", "rotate"]).code).toBe(0);
    const [agents, triggers, keys] = complete(p.dir, bin, ["orchestrator agent drain ", "orchestrator trigger fire ", "orchestrator secret key revoke "]);
    expect(agents).toEqual(expect.arrayContaining(["builder", "greeter", "planner"]));
    expect(triggers).toEqual(["on-push"]);
    expect(keys).toEqual(["k1"]);
  });

  it("leaves file names to the shell for -f and registers bash's file fallback", () => {
    const [files] = complete(p.dir, bin, ["orchestrator apply -f "]);
    expect(files).toEqual([]);
    expect(cli(["complete", "--", "apply", "-f", ""], { cwd: p.dir }).stdout).toBe(":0\n");
    const script = cli(["completion", "bash"], { cwd: p.dir }).stdout;
    expect(script).toMatch(/^complete -o default -F __orchestrator_complete orchestrator$/m);
    expect(spawnSync("bash", ["-n"], { input: script }).status).toBe(0);
  });

  it("offers commands but no names outside a store, and creates none", () => {
    const t = tempProject();
    try {
      const [names, top] = complete(t.dir, binDir(t.dir), ["orchestrator get agent ", "orchestrator des"]);
      expect(names).toEqual([]);
      expect(top).toEqual(["describe"]);
      expect(existsSync(join(t.dir, ".orchestrator"))).toBe(false);
    } finally {
      t.cleanup();
    }
  });

  it("prints zsh, fish and powershell scripts that call back `orchestrator complete --`", () => {
    for (const shell of ["zsh", "fish", "powershell"]) {
      const r = cli(["completion", shell], { cwd: p.dir });
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/orchestrator complete '?--'?/);
    }
    expect(cli(["completion", "tcsh"], { cwd: p.dir }).code).toBe(2);
  });
});
