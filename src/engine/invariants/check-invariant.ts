/**
 * @module Checking one invariant: its protected files against the baseline
 * taken when the task started, then its command (run with `sh -c` in the
 * workspace root): the exit code must be `expect_exit`, the trimmed stdout
 * `expect` when given, and `assert_expr` (CEL over `exit_code`, `stdout`,
 * `stderr`) must hold. A command that cannot be run, or runs past the time
 * limit, is a violation: an invariant nobody could check does not pass.
 */
import { execa } from "execa";
import { PrehookError, evaluateBool } from "../prehook/evaluate.js";
import type { Invariant } from "./invariant-spec.js";
import { changedProtectedFiles, type FileBaseline } from "./protected-files.js";

/** How long an invariant's command may run. */
export const INVARIANT_TIMEOUT_MS = 300_000;

export interface InvariantResult {
  passed: boolean;
  /** Why it failed. */
  message: string;
  /** The command's trimmed stdout, for `capture_as`. */
  stdout?: string;
}

export async function checkInvariant(inv: Invariant, root: string, baseline: FileBaseline | undefined, opts: { signal?: AbortSignal; filesOnly?: boolean } = {}): Promise<InvariantResult> {
  if (inv.protectedFiles.length && baseline) {
    const changed = changedProtectedFiles(root, inv.protectedFiles, baseline);
    if (changed.length) return { passed: false, message: `protected file${changed.length === 1 ? "" : "s"} changed: ${changed.join(", ")} (protected_files: ${inv.protectedFiles.join(", ")})` };
  }
  if (!inv.command || opts.filesOnly) return { passed: true, message: "" };
  const r = await execa("/bin/sh", ["-c", inv.command], {
    cwd: root,
    reject: false,
    timeout: INVARIANT_TIMEOUT_MS,
    stdin: "ignore",
    ...(opts.signal ? { cancelSignal: opts.signal } : {}),
  });
  const stdout = String(r.stdout ?? "").trim();
  const stderr = String(r.stderr ?? "").trim();
  if (r.timedOut) return { passed: false, message: `command timed out after ${INVARIANT_TIMEOUT_MS / 1000}s`, stdout };
  if (r.isCanceled) return { passed: false, message: "command was cancelled", stdout };
  const exit = r.exitCode ?? -1;
  if (exit !== inv.expectExit) {
    return { passed: false, message: `command exited ${exit} (expected ${inv.expectExit})${stderr ? `: ${stderr.split("\n").slice(-3).join(" ")}` : ""}`, stdout };
  }
  if (inv.expectOutput !== undefined && stdout !== inv.expectOutput.trim()) {
    return { passed: false, message: `command printed ${JSON.stringify(stdout.slice(0, 200))} (expected ${JSON.stringify(inv.expectOutput.trim())})`, stdout };
  }
  if (inv.assertExpr !== undefined) {
    try {
      if (!evaluateBool(inv.assertExpr, { exit_code: BigInt(exit), stdout, stderr }, `invariant '${inv.name}' assert_expr`)) {
        return { passed: false, message: `assertion failed: ${inv.assertExpr.trim()}`, stdout };
      }
    } catch (err) {
      if (err instanceof PrehookError) return { passed: false, message: err.message, stdout };
      throw err;
    }
  }
  return { passed: true, message: "", stdout };
}
