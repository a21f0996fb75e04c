import { afterEach, describe, expect, it } from "vitest";
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { StringDecoder } from "node:string_decoder";
import { LinePrefixer, readFrom, readLastLines } from "../../../src/cli/output/task-log-reader.js";

describe("reading step logs", () => {
  let dir: string;
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const file = (text: string | Buffer): string => {
    dir = mkdtempSync(join(tmpdir(), "orch-logs-"));
    const p = join(dir, "run.log");
    writeFileSync(p, text);
    return p;
  };

  it("reads the last lines of a file larger than one read chunk, across chunk boundaries", () => {
    const lines = Array.from({ length: 50_000 }, (_, i) => `line ${i + 1} ${"x".repeat(i % 13)}`);
    const p = file(lines.join("\n") + "\n");
    expect(readLastLines(p, 1).lines).toEqual([lines.at(-1)]);
    expect(readLastLines(p, 7000).lines).toEqual(lines.slice(-7000));
    expect(readLastLines(p, 60_000).lines).toEqual(lines);
    expect(readLastLines(p, 3).size).toBe(Buffer.byteLength(lines.join("\n") + "\n"));
  });

  it("counts an unterminated last line, keeps multi-byte characters whole, and has no lines for a missing file", () => {
    expect(readLastLines(file("a\nb\nc"), 2).lines).toEqual(["b", "c"]);
    rmSync(dir, { recursive: true });
    expect(readLastLines(file("é".repeat(40_000) + "\nñ\n"), 2).lines).toEqual(["é".repeat(40_000), "ñ"]);
    rmSync(dir, { recursive: true });
    expect(readLastLines(file("\n\n"), 5).lines).toEqual(["", ""]);
    expect(readLastLines(join(dir, "missing.log"), 5)).toEqual({ lines: [], size: 0 });
  });

  it("reads from an offset to the end; a multi-byte character split between two reads stays whole", () => {
    const bytes = Buffer.from("hé"); // 68 c3 a9
    const p = file(bytes.subarray(0, 2));
    const decoder = new StringDecoder("utf8");
    const out: string[] = [];
    expect(readFrom(p, 0, decoder, (t) => out.push(t))).toBe(2);
    expect(out.join("")).toBe("h");
    appendFileSync(p, Buffer.concat([bytes.subarray(2), Buffer.from("llo\n")]));
    expect(readFrom(p, 2, decoder, (t) => out.push(t))).toBe(7);
    expect(out.join("")).toBe("héllo\n");
    expect(readFrom(p, 7, decoder, (t) => out.push(t))).toBe(7);
  });

  it("stamps every line start, across chunks that split lines anywhere", () => {
    let n = 0;
    const prefixer = new LinePrefixer(() => `T${++n}`);
    expect(prefixer.apply("one\ntw")).toBe("T1 one\nT2 tw");
    expect(prefixer.lineEnded).toBe(false);
    expect(prefixer.apply("o\nthree\n")).toBe("o\nT3 three\n");
    expect(prefixer.lineEnded).toBe(true);
    expect(prefixer.apply("\n")).toBe("T4 \n");
  });
});
