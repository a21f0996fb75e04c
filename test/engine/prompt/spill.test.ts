import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { exceedsInlineLimit, INLINE_LIMIT_BYTES, spillLargeValues } from "../../../src/engine/prompt/spill.js";

describe("spilling", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "orch-spill-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("writes a value over 4096 bytes to a file and offers {<key>_path}", () => {
    const big = "é".repeat(3000); // 6000 bytes, 3000 characters
    const small = "x".repeat(INLINE_LIMIT_BYTES);
    const { vars, files } = spillLargeValues({ big, small }, join(dir, "spill"));
    expect(files).toHaveLength(1);
    expect(files[0]!.key).toBe("big");
    expect(files[0]!.bytes).toBe(6000);
    expect(readFileSync(files[0]!.path, "utf8")).toBe(big);
    expect(vars["big_path"]).toBe(files[0]!.path);
    expect(vars["small"]).toBe(small);
    expect(vars["small_path"]).toBeUndefined();
    expect(vars["big"]).toContain(`[truncated — full content at ${files[0]!.path}]`);
    expect(Buffer.byteLength(vars["big"]!.split("...\n[truncated")[0]!, "utf8")).toBeLessThanOrEqual(INLINE_LIMIT_BYTES);
    expect(vars["big"]!.includes("\uFFFD")).toBe(false);
  });

  it("is idempotent and keeps different values apart", () => {
    spillLargeValues({ k: "a".repeat(5000) }, dir);
    spillLargeValues({ k: "a".repeat(5000) }, dir);
    spillLargeValues({ k: "b".repeat(5000) }, dir);
    expect(readdirSync(dir)).toHaveLength(2);
  });

  it("keeps odd keys inside the spill directory", () => {
    const { files } = spillLargeValues({ "../../etc/passwd": "z".repeat(5000) }, dir);
    expect(files[0]!.path.startsWith(dir + "/")).toBe(true);
    expect(readdirSync(dir)).toHaveLength(1);
  });

  it("measures the limit in bytes", () => {
    expect(exceedsInlineLimit("é".repeat(2049))).toBe(true);
    expect(exceedsInlineLimit("e".repeat(4096))).toBe(false);
  });

  it("offers {<key>_path} of a small value when it is asked for", () => {
    const { vars, files } = spillLargeValues({ diff: "small diff", other: "o", other_path: "/given" }, dir, ["diff_path", "other_path", "goal_path"]);
    expect(vars["diff"]).toBe("small diff");
    expect(readFileSync(vars["diff_path"]!, "utf8")).toBe("small diff");
    expect(vars["other_path"]).toBe("/given");
    expect(vars["goal_path"]).toBeUndefined();
    expect(files.map((f) => f.key)).toEqual(["diff"]);
  });
});
