/**
 * A RuntimePolicy through the built CLI: each field it offers changes how
 * steps run, and what it does not offer is refused at validation.
 */
import { afterEach, describe, expect, it } from "vitest";
import { initializedProject } from "../support/cli.js";
import { Controllers, describeTask, info, until, waitForPhase, type Project } from "./task-support.js";

const doc = (kind: string, name: string, spec: string, project?: string): string =>
  `---\napiVersion: orchestrator.dev/v2\nkind: ${kind}\nmetadata:\n  name: ${name}\n${project ? `  project: ${project}\n` : ""}spec:\n${spec}`;

const BASE = [
  doc("Workspace", "w", `  root_path: "."\n`),
  doc("Workflow", "say", `  steps:\n    - id: say\n      command: 'echo "shell=[$BASH_VERSION] inherited=[$RUNTIME_TEST_VAR] path=[$PATH]"; echo "token tok_live_123456 done"'\n`),
  doc("Workflow", "nap", `  steps:\n    - id: nap\n      command: sleep 30\n`),
].join("\n");

const policy = (spec: string): string => doc("RuntimePolicy", "runtime", spec);

describe("RuntimePolicy", () => {
  let p: Project;
  const controllers = new Controllers();
  afterEach(async (ctx) => {
    await controllers.stopAll(ctx);
    p?.cleanup();
  });
  const setup = (extra = ""): void => {
    p = initializedProject({ "m.yaml": BASE + "\n" + extra });
    const r = p.run(["apply", "-f", "m.yaml"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
  };
  const say = (env: Record<string, string> = {}): string => {
    const r = p.run(["run", "--workflow", "say"], { env: { RUNTIME_TEST_VAR: "from-controller", ...env } });
    expect(r.code).toBe(0);
    return r.stdout;
  };

  it("without a policy: /bin/sh -c, the whole environment, nothing extra redacted", () => {
    setup();
    const out = say();
    expect(out).toContain("shell=[]");
    expect(out).toContain("inherited=[from-controller]");
    expect(out).toContain("tok_live_123456");
  });

  it("runner.shell and shell_arg start step commands with that shell", () => {
    setup(policy(`  runner:\n    shell: /bin/bash\n    shell_arg: -c\n`));
    expect(say()).toMatch(/shell=\[\d+\.\d+/);
  });

  it("runner.env_allowlist: a step inherits only the listed variables of the controller's environment", () => {
    setup(policy(`  runner:\n    env_allowlist: [PATH]\n`));
    const out = say();
    expect(out).toContain("inherited=[]");
    expect(out).toMatch(/path=\[[^\]]+\]/);
  });

  it("runner.redaction_patterns: the text never reaches the log or the run's output", () => {
    setup(policy(`  runner:\n    redaction_patterns: [tok_live_123456]\n`));
    const out = say();
    expect(out).not.toContain("tok_live_123456");
    expect(out).toContain("token [REDACTED] done");
    const id = (JSON.parse(p.run(["task", "list", "-o", "json"]).stdout).items as Array<{ id: string }>)[0]!.id;
    expect(p.run(["task", "logs", id]).stdout).not.toContain("tok_live_123456");
  });

  it("runner.policy allowlist: a shell outside allowed_shells, or empty lists, are refused at validation", () => {
    p = initializedProject({
      "bad.yaml": policy(`  runner:\n    policy: allowlist\n    shell: /bin/sh\n    shell_arg: -c\n    allowed_shells: [/bin/bash]\n    allowed_shell_args: [-c]\n`),
      "empty.yaml": policy(`  runner:\n    policy: allowlist\n    shell: /bin/bash\n    allowed_shells: []\n    allowed_shell_args: []\n`),
      "ok.yaml": policy(`  runner:\n    policy: allowlist\n    shell: /bin/bash\n    shell_arg: -lc\n    allowed_shells: [/bin/bash]\n    allowed_shell_args: [-lc]\n`),
    });
    const bad = p.run(["manifest", "validate", "-f", "bad.yaml"]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("runner.shell '/bin/sh' is not in runner.allowed_shells (/bin/bash)");
    const empty = p.run(["manifest", "validate", "-f", "empty.yaml"]);
    expect(empty.code).toBe(1);
    expect(empty.stderr).toContain("runner.allowed_shells cannot be empty when policy=allowlist");
    expect(empty.stderr).toContain("runner.allowed_shell_args cannot be empty when policy=allowlist");
    expect(p.run(["manifest", "validate", "-f", "ok.yaml"]).code).toBe(0);
  });

  it("refuses what it does not offer: observability, another executor, unknown fields", () => {
    p = initializedProject({
      "obs.yaml": policy(`  observability:\n    retention_days: 7\n`),
      "exec.yaml": policy(`  runner:\n    executor: docker\n`),
      "typo.yaml": policy(`  runner:\n    shel: /bin/bash\n`),
    });
    const obs = p.run(["manifest", "validate", "-f", "obs.yaml"]);
    expect(obs.code).toBe(1);
    expect(obs.stderr).toMatch(/spec\.observability: RuntimePolicy observability is not offered/);
    expect(p.run(["manifest", "validate", "-f", "exec.yaml"]).code).toBe(1);
    const typo = p.run(["manifest", "validate", "-f", "typo.yaml"]);
    expect(typo.code).toBe(1);
    expect(typo.stderr).toMatch(/error: .*spec\.runner\.shel: unknown field 'shel'; did you mean 'shell'\?/);
  });

  it("two policies in one project: check says so, and the project's tasks fail to start", () => {
    setup(doc("RuntimePolicy", "second", `  resume:\n    auto: true\n`) + "\n" + policy(`  resume:\n    auto: true\n`));
    const check = p.run(["check"]);
    expect(check.code).toBe(1);
    expect(check.stderr).toContain("project 'default' has 2 RuntimePolicies");
    const r = p.run(["run", "--workflow", "say"]);
    expect(r.code).toBe(1);
    expect(r.stderr + r.stdout).toContain("has 2 RuntimePolicies");
  });

  it("a project without a policy uses the default project's", () => {
    setup(policy(`  runner:\n    redaction_patterns: [tok_live_123456]\n`) + "\n" + doc("Workspace", "w", `  root_path: "."\n`, "other") + "\n" + doc("Workflow", "say", `  steps:\n    - id: say\n      command: echo tok_live_123456\n`, "other"));
    const r = p.run(["run", "--workflow", "say", "--project", "other"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("[REDACTED]");
  });

  for (const auto of [true, false]) {
    it(`resume.auto: ${auto}: a task the controller stopped in the middle of ${auto ? "is queued again" : "waits, paused, for task resume"}`, async () => {
      setup(policy(`  resume:\n    auto: ${auto}\n`));
      const c = controllers.start(p);
      const created = p.run(["task", "create", "--workflow", "nap", "--name", "napper"]);
      expect(created.code).toBe(0);
      await until(() => info(p, "napper").runs.some((r) => r.status === "running"), 30_000, "the step to start", () => describeTask(info(p, "napper")));
      c.kill("SIGTERM");
      await new Promise<void>((r) => c.once("exit", () => r()));
      const t = (await waitForPhase(p, "napper", auto ? ["Pending"] : ["Paused"])).task;
      if (auto) {
        expect(t.queued).toBe(true);
      } else {
        expect(t.queued).toBe(false);
        expect(t.message).toContain("resume.auto: false");
      }
    }, 90_000);
  }

  it("resume.auto: false also holds a task a dead controller left behind", async () => {
    setup(policy(`  resume:\n    auto: false\n`));
    const c = controllers.start(p);
    expect(p.run(["task", "create", "--workflow", "nap", "--name", "napper"]).code).toBe(0);
    await until(() => info(p, "napper").runs.some((r) => r.status === "running"), 30_000, "the step to start", () => describeTask(info(p, "napper")));
    c.kill("SIGKILL");
    await new Promise<void>((r) => c.once("exit", () => r()));
    controllers.start(p);
    const done = await waitForPhase(p, "napper", ["Paused"]);
    expect(done.task.message).toContain("recovered after the controller stopped");
    expect(done.runs.map((r) => r.status)).toEqual(["interrupted"]);
  }, 90_000);
});
