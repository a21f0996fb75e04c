/**
 * @module RuntimePolicy spec: how step processes are started (`runner`:
 * the shell, which shells a policy allows, the environment steps inherit,
 * extra text to redact) and whether interrupted tasks resume on their own
 * (`resume.auto`). Strict, like an ExecutionProfile: an unknown field is an
 * error. `observability` is refused: the project keeps every event and log
 * and has no setting there to offer. What the engine does with each field
 * is src/engine/runner/runtime-policy.ts.
 */
import { boolean, describe, isObject, nonEmptyString, object, oneOf, stringList, type KindSpec, type SpecIssue } from "./common.js";

function check(spec: Record<string, unknown>): SpecIssue[] {
  const issues: SpecIssue[] = [];
  const runner = spec["runner"];
  if (isObject(runner)) {
    const shell = typeof runner["shell"] === "string" ? runner["shell"] : "/bin/sh";
    const arg = typeof runner["shell_arg"] === "string" ? runner["shell_arg"] : "-c";
    if (runner["policy"] === "allowlist") {
      const shells = Array.isArray(runner["allowed_shells"]) ? runner["allowed_shells"] : [];
      const args = Array.isArray(runner["allowed_shell_args"]) ? runner["allowed_shell_args"] : [];
      if (shells.length === 0) issues.push({ path: ["runner", "allowed_shells"], message: "runner.allowed_shells cannot be empty when policy=allowlist", hint: "list the shells steps may be started with (/bin/bash)" });
      else if (!shells.includes(shell)) issues.push({ path: ["runner", "shell"], message: `runner.shell '${shell}' is not in runner.allowed_shells (${shells.join(", ")})`, hint: "use an allowed shell or add it to allowed_shells" });
      if (args.length === 0) issues.push({ path: ["runner", "allowed_shell_args"], message: "runner.allowed_shell_args cannot be empty when policy=allowlist", hint: "list the arguments the shell may take (-c, -lc)" });
      else if (!args.includes(arg)) issues.push({ path: ["runner", "shell_arg"], message: `runner.shell_arg '${arg}' is not in runner.allowed_shell_args (${args.join(", ")})` });
    }
    if (!/^-\w*c$/.test(arg)) issues.push({ path: ["runner", "shell_arg"], message: `runner.shell_arg '${arg}' does not end in 'c': the step's command is passed as the argument after it`, hint: "use -c, or -lc for a login shell" });
    const names = Array.isArray(runner["env_allowlist"]) ? runner["env_allowlist"] : [];
    names.forEach((n, i) => {
      if (typeof n === "string" && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(n)) issues.push({ path: ["runner", "env_allowlist", i], message: `'${n}' is not an environment variable name` });
    });
    const patterns = Array.isArray(runner["redaction_patterns"]) ? runner["redaction_patterns"] : [];
    patterns.forEach((p, i) => {
      if (typeof p === "string" && p.length < 4) issues.push({ path: ["runner", "redaction_patterns", i], message: `redaction pattern '${p}' is shorter than 4 characters and would mangle ordinary output`, hint: "redaction patterns are literal text, such as a token's prefix and body" });
    });
  }
  if (spec["observability"] !== undefined) {
    issues.push({
      path: ["observability"],
      message: "RuntimePolicy observability is not offered: every event, run record and step log is kept, and there is no setting here to change that",
      hint: "remove observability; use `event list`, `task trace` and `task logs` to observe runs",
    });
  }
  return issues;
}

export const runtimePolicy: KindSpec = {
  schema: object({
    runner: object({
      shell: describe(nonEmptyString, "The shell a step's command is given to, in a sandbox too (default /bin/sh)."),
      shell_arg: describe(nonEmptyString, "The argument before the command, ending in c (default -c; -lc for a login shell)."),
      // `legacy` is upstream's older name for `unsafe`: any shell.
      policy: describe(oneOf("unsafe", "legacy", "allowlist"), "allowlist: shell must be in allowed_shells and shell_arg in allowed_shell_args, both non-empty; legacy is an older name for unsafe (default unsafe)."),
      executor: describe(oneOf("shell"), "The only executor, shell."),
      allowed_shells: describe(stringList, "Shells steps may be started with, with policy: allowlist."),
      allowed_shell_args: describe(stringList, "Arguments the shell may take, with policy: allowlist."),
      env_allowlist: describe(stringList, "When set, a step inherits only these variables of the controller's environment (list PATH and HOME if its commands need them); its agent's, profile's and the engine's own variables are added."),
      redaction_patterns: describe(stringList, "Literal text (4 characters or more) replaced by [REDACTED] in step logs, output tails, captures and task info, like a SecretStore value."),
    }, { description: "How step processes are started." }),
    resume: object(
      { auto: describe(boolean, "A task interrupted because its controller stopped or died is queued again on its own (default true); false leaves it Paused for task resume.") },
      { description: "What happens to tasks a stopped controller interrupted." },
    ),
    // Any content: check() refuses the field whatever it holds.
    observability: { description: "Refused, not offered: every event, run record and step log is kept; there is nothing to set here." },
  }, { description: "How a project's step processes are started and whether interrupted tasks resume on their own. A project uses its own RuntimePolicy, else the default project's; unknown fields are errors." }),
  check,
  strict: true,
};
