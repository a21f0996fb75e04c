/**
 * @module `ORCHESTRATOR_EXTERNAL_DIFF`, as kubectl's KUBECTL_EXTERNAL_DIFF:
 * the YAML of each changed resource is written into two directories, the
 * old side and the new side, one file per resource, and the named program
 * is run on them (`diff -u -N`, `meld`, `colordiff -u`...). The program is
 * split on whitespace and started without a shell; it comes from the
 * operator's environment, never from a manifest. Secret values are
 * redacted in these files as in every diff.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ResourceDiff } from "../../reconcile/diff/index.js";

export const EXTERNAL_DIFF_ENV = "ORCHESTRATOR_EXTERNAL_DIFF";

export interface ExternalDiffResult {
  /** The program's exit status: 0 same, 1 different, more is its own error. */
  status: number;
  /** Why the program could not be started, when it could not. */
  error?: string;
}

/** The program words `ORCHESTRATOR_EXTERNAL_DIFF` names, or undefined when it is unset or blank. */
export function externalDiffCommand(env: NodeJS.ProcessEnv = process.env): string[] | undefined {
  const words = (env[EXTERNAL_DIFF_ENV] ?? "").trim().split(/\s+/).filter(Boolean);
  return words.length ? words : undefined;
}

/** `Agent.default.coder.yaml`; cluster-wide kinds have no project part. */
export function resourceFileName(d: Pick<ResourceDiff, "kind" | "project" | "name">): string {
  const safe = (s: string): string => s.replace(/[^A-Za-z0-9._-]/g, "_");
  return [d.kind, d.project, d.name].filter((p) => p !== "").map(safe).join(".") + ".yaml";
}

/**
 * Writes the changed resources into `<tmp>/<fromLabel>` and `<tmp>/<toLabel>`
 * (a side a resource is missing from has no file), runs the program on the
 * two directories with this process's output, and removes them after.
 */
export function runExternalDiff(command: readonly string[], diffs: readonly ResourceDiff[], labels = { from: "live", to: "desired" }): ExternalDiffResult {
  const root = mkdtempSync(join(tmpdir(), "orchestrator-diff-"));
  try {
    const from = join(root, labels.from);
    const to = join(root, labels.to);
    mkdirSync(from, { mode: 0o700 });
    mkdirSync(to, { mode: 0o700 });
    for (const d of diffs) {
      if (!d.yaml) continue;
      const file = resourceFileName(d);
      if (d.yaml.live) writeFileSync(join(from, file), d.yaml.live, { mode: 0o600 });
      if (d.yaml.desired) writeFileSync(join(to, file), d.yaml.desired, { mode: 0o600 });
    }
    const [program, ...args] = command;
    const r = spawnSync(program!, [...args, from, to], { stdio: "inherit" });
    if (r.error) return { status: -1, error: `${EXTERNAL_DIFF_ENV}: cannot run '${command.join(" ")}': ${r.error.message}` };
    if (r.status === null) return { status: -1, error: `${EXTERNAL_DIFF_ENV}: '${command.join(" ")}' was ended by ${r.signal ?? "a signal"}` };
    return { status: r.status };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
