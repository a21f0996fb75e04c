import { describe, expect, it } from "vitest";
import { applyCaptures } from "../../../src/engine/captures/captures.js";

describe("applyCaptures", () => {
  const ok = { stdout: '{"confidence":0.95,"delta_lines":3}\n', stderr: "warn: x\n", exitCode: 0 };
  const failed = { stdout: "boom", stderr: "", exitCode: 2 };

  it("captures stdout, stderr and the exit code as strings", () => {
    const out = applyCaptures(
      [
        { var: "out", source: "stdout" },
        { var: "err", source: "stderr" },
        { var: "code", source: "exit_code" },
      ],
      failed,
    );
    expect(out.vars).toEqual({ out: "boom", err: "", code: "2" });
    expect(out.exitCode).toBe(2);
  });

  it("sets failed_flag and success_flag from the exit code", () => {
    const decls = [
      { var: "qa_failed", source: "failed_flag" as const },
      { var: "fix_success", source: "success_flag" as const },
    ];
    expect(applyCaptures(decls, ok)).toMatchObject({ vars: { qa_failed: "false", fix_success: "true" }, flags: { qa_failed: false, fix_success: true } });
    expect(applyCaptures(decls, failed)).toMatchObject({ vars: { qa_failed: "true", fix_success: "false" } });
  });

  it("lets an explicit success override the exit code", () => {
    expect(applyCaptures([{ var: "s", source: "success_flag" }], { ...ok, success: false }).vars).toEqual({ s: "false" });
  });

  it("reads a json_path: numbers as JSON text, strings as they are, lists as JSON", () => {
    const stdout = 'Analysis done.\n{"delta_lines": 3, "name": "rt", "targets": [{"id": "a"}, {"id": "b"}]}';
    const out = applyCaptures(
      [
        { var: "delta_lines", source: "stdout", json_path: "$.delta_lines" },
        { var: "name", source: "stdout", json_path: "$.name" },
        { var: "ids", source: "stdout", json_path: "$.targets[*].id" },
        { var: "first", source: "stdout", json_path: "$.targets[0]" },
      ],
      { stdout, stderr: "", exitCode: 0 },
    );
    expect(out.vars).toEqual({ delta_lines: "3", name: "rt", ids: '["a","b"]', first: '{"id":"a"}' });
    expect(out.problems).toEqual([]);
  });

  it("uses the last JSON value of the output in which the path exists", () => {
    const stdout = 'Summary: {"count": 6}\nDetails: {"targets": ["x"]}\nMeta: {"ts": "2026"}';
    expect(applyCaptures([{ var: "t", source: "stdout", json_path: "$.targets" }], { stdout, stderr: "", exitCode: 0 }).vars).toEqual({ t: '["x"]' });
  });

  it("sets nothing and reports why when the path is missing or unsupported", () => {
    const out = applyCaptures(
      [
        { var: "missing", source: "stdout", json_path: "$.nope" },
        { var: "bad", source: "stdout", json_path: "$..deep" },
      ],
      ok,
    );
    expect(out.vars).toEqual({});
    expect(out.problems).toEqual([
      "capture 'missing': no JSON value in the output has path '$.nope'",
      expect.stringContaining("unsupported JSONPath '$..deep'"),
    ]);
  });
});
