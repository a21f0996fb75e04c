import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseManifestText } from "../../src/resources/parse.js";
import { PARALLEL_PARSE_MIN_BYTES } from "../../src/resources/parse-pool.js";
import { REPO_ROOT } from "../support/cli.js";

/** The built module: worker threads run compiled JavaScript. */
const built = (): Promise<typeof import("../../src/resources/parse-pool.js")> => import(join(REPO_ROOT, "dist/src/resources/parse-pool.js"));

const agent = (i: number) => `apiVersion: orchestrator.dev/v2\nkind: Agent\nmetadata:\n  name: agent-${i}\nspec:\n  capabilities: [x]\n  command: "echo ${"padding ".repeat(20)}${i}"\n`;

function files(): { file: string; text: string }[] {
  const out = Array.from({ length: 40 }, (_, f) => ({ file: `part-${f}.yaml`, text: Array.from({ length: 120 }, (_, i) => agent(f * 1000 + i)).join("---\n") }));
  out.push({ file: "list.yaml", text: `apiVersion: v1\nkind: List\nitems:\n  - ${agent(99_001).trimEnd().split("\n").join("\n    ")}\n` });
  out.push({ file: "broken.yaml", text: `${agent(99_002)}---\nkind: Agent\nmetadata:\n  name: "unclosed\n` });
  return out;
}

describe("parsing many files on worker threads", () => {
  it("gives what parsing them one by one gives: documents, positions and errors, in order", async () => {
    const set = files();
    expect(set.reduce((n, f) => n + f.text.length, 0)).toBeGreaterThan(PARALLEL_PARSE_MIN_BYTES);
    const { parseFiles } = await built();
    const parallel = await parseFiles(set);
    const inline = set.map((f) => parseManifestText(f.text, f.file));
    expect(parallel).toHaveLength(inline.length);
    parallel.forEach((p, i) => {
      const q = inline[i]!;
      expect(p.diagnostics).toEqual(q.diagnostics);
      expect(p.documents.map((d) => [d.file, d.index, d.position, d.resource])).toEqual(q.documents.map((d) => [d.file, d.index, d.position, d.resource]));
      p.documents.forEach((d, j) => expect(d.positionOf(["spec", "command"])).toEqual(q.documents[j]!.positionOf(["spec", "command"])));
    });
    expect(parallel.at(-1)!.diagnostics[0]!.message).toContain("missing closing");
    expect(parallel.at(-2)!.documents[0]!.positionOf(["spec", "command"])).toEqual({ file: "list.yaml", line: 10, column: 16 });
  });
});
