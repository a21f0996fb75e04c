import { afterEach, describe, expect, it } from "vitest";
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { StringDecoder } from "node:string_decoder";
import { findLastLines, LinePrefixer, readFrom } from "../../../src/cli/output/task-log-reader.js";

/** The last n lines, as `task logs --tail n` prints them: found backwards, then read forwards. */
async function readLastLines(path: string, n: number): Promise<{ lines: string[]; size: number }> {
  const last = findLastLines(path, n);
  let text = "";
  await readFrom(path, last.start, new StringDecoder("utf8"), (t) => void (text += t), last.size);
  const lines = text === "" ? [] : text.replace(/\n$/, "").split("\n");
  expect(lines).toHaveLength(last.lines);
  return { lines, size: last.size };
}

describe("reading step logs", () => {
  let dir: string;
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const file = (text: string | Buffer): string => {
    dir = mkdtempSync(join(tmpdir(), "orch-logs-"));
    const p = join(dir, "run.log");
    writeFileSync(p, text);
    return p;
  };

  it("finds the last lines of a file larger than one read chunk, across chunk boundaries", async () => {
    const lines = Array.from({ length: 50_000 }, (_, i) => `line ${i + 1} ${"x".repeat(i % 13)}`);
    const p = file(lines.join("\n") + "\n");
    expect((await readLastLines(p, 1)).lines).toEqual([lines.at(-1)]);
    expect((await readLastLines(p, 7000)).lines).toEqual(lines.slice(-7000));
    expect((await readLastLines(p, 60_000)).lines).toEqual(lines);
    expect((await readLastLines(p, 3)).size).toBe(Buffer.byteLength(lines.join("\n") + "\n"));
  });

  it("counts an unterminated last line, keeps multi-byte characters whole, and has no lines for a missing file", async () => {
    expect((await readLastLines(file("a\nb\nc"), 2)).lines).toEqual(["b", "c"]);
    rmSync(dir, { recursive: true });
    expect((await readLastLines(file("é".repeat(40_000) + "\nñ\n"), 2)).lines).toEqual(["é".repeat(40_000), "ñ"]);
    rmSync(dir, { recursive: true });
    expect((await readLastLines(file("\n\n"), 5)).lines).toEqual(["", ""]);
    expect(findLastLines(join(dir, "missing.log"), 5)).toEqual({ start: 0, lines: 0, size: 0 });
    expect(findLastLines(join(dir, "run.log"), 0)).toEqual({ start: 2, lines: 0, size: 2 });
  });

  it("reads from an offset to the end; a multi-byte character split between two reads stays whole", async () => {
    const bytes = Buffer.from("hé"); // 68 c3 a9
    const p = file(bytes.subarray(0, 2));
    const decoder = new StringDecoder("utf8");
    const out: string[] = [];
    expect(await readFrom(p, 0, decoder, (t) => void out.push(t))).toBe(2);
    expect(out.join("")).toBe("h");
    appendFileSync(p, Buffer.concat([bytes.subarray(2), Buffer.from("llo\n")]));
    expect(await readFrom(p, 2, decoder, (t) => void out.push(t))).toBe(7);
    expect(out.join("")).toBe("héllo\n");
    expect(await readFrom(p, 7, decoder, (t) => void out.push(t))).toBe(7);
  });

  it("waits for a slow reader before reading on, so no more than a chunk is held", async () => {
    const p = file("x".repeat(1024 * 1024));
    let held = 0;
    let most = 0;
    const reached = await readFrom(p, 0, new StringDecoder("utf8"), async (t) => {
      held += t.length;
      most = Math.max(most, held);
      await new Promise((r) => setImmediate(r));
      held -= t.length;
    });
    expect(reached).toBe(1024 * 1024);
    expect(most).toBeLessThanOrEqual(64 * 1024);
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
