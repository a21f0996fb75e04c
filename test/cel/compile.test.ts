import { describe, expect, it } from "vitest";
import { celAst, compileCel, evaluateCel } from "../../src/cel/compile.js";

describe("compileCel", () => {
  it("accepts the expressions manifests use", () => {
    for (const e of [
      "is_last_cycle",
      "qa_exit_code != null && qa_exit_code == 0",
      "size(regression_target_ids) > 0",
      "qa_file_path.startsWith(\"docs/qa/\") && qa_file_path.endsWith(\".md\")",
      "payload_filename.endsWith('.md') && payload_filename.startsWith('FR-')",
      "[1, 2].exists(x, x > 1)",
    ]) {
      expect(compileCel(e), e).toEqual({ ok: true });
    }
  });

  it("reports a syntax error with the library's message and the offset", () => {
    const r = compileCel("invalid cel syntax [[[");
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.message).toMatch(/Unexpected character/);
    expect(r.offset).toBe(8);
  });

  it("reports an unfinished expression at its end", () => {
    const r = compileCel("cycle > ");
    expect(r).toMatchObject({ ok: false, offset: 8 });
  });

  it("does not parse the same expression twice", () => {
    const expr = "cycle > 1 && step == \"plan\"";
    expect(celAst(expr)).toBeDefined();
    // The cached AST object comes back: the parser ran once.
    expect(celAst(expr)).toBe(celAst(expr));
    expect(compileCel(expr)).toBe(compileCel(expr));
  });
});

describe("evaluateCel", () => {
  it("evaluates with variables and treats whole numbers as CEL ints", () => {
    expect(evaluateCel("cycle == max_cycles", { cycle: 2, max_cycles: 2 })).toBe(true);
    expect(evaluateCel("size(self.prompts) > 0", { self: { prompts: [{ name: "a" }] } })).toBe(true);
    expect(evaluateCel("score >= 0.8", { score: 0.9 })).toBe(true);
    expect(evaluateCel("count + 1", { count: 41 })).toBe(42n);
  });

  it("treats null as a value, so null checks work", () => {
    expect(evaluateCel("qa_exit_code != null && qa_exit_code == 0", { qa_exit_code: null })).toBe(false);
  });

  it("throws on an unknown variable and on invalid syntax", () => {
    expect(() => evaluateCel("missing_var", {})).toThrow(/Unknown variable/);
    expect(() => evaluateCel("a &&", { a: true })).toThrow(/invalid CEL expression/);
  });
});
