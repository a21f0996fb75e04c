import { describe, expect, it } from "vitest";
import { parseAgentOutput } from "../../../src/engine/output/agent-output.js";

describe("parseAgentOutput", () => {
  it("reads scores and artifacts from pure JSON on stdout", () => {
    const out = parseAgentOutput('{"confidence":0.91,"quality_score":0.8,"artifacts":[{"kind":"ticket","severity":"high"},"junk"]}\n');
    expect(out.confidence).toBe(0.91);
    expect(out.qualityScore).toBe(0.8);
    expect(out.artifacts).toEqual([{ kind: "ticket", severity: "high" }]);
  });

  it("reads a ```json fenced block inside prose", () => {
    const stdout = "Done. Here is my report:\n\n```json\n{\n  \"confidence\": 0.7,\n  \"quality_score\": 0.6\n}\n```\nBye.";
    const out = parseAgentOutput(stdout);
    expect(out.confidence).toBe(0.7);
    expect(out.qualityScore).toBe(0.6);
  });

  it("takes the LAST JSON object of mixed text", () => {
    const stdout = 'Summary: {"confidence": 0.2, "status": "draft"}\nthinking...\nFinal: {"confidence": 0.95, "quality_score": 0.9, "note": "a } in a string"} done';
    const out = parseAgentOutput(stdout);
    expect(out.confidence).toBe(0.95);
    expect(out.qualityScore).toBe(0.9);
    expect(out.json?.["note"]).toBe("a } in a string");
  });

  it("gives no scores for plain text", () => {
    expect(parseAgentOutput("This is plain text output, not JSON\n")).toEqual({ artifacts: [] });
  });

  it("gives no scores and does not throw for malformed JSON", () => {
    expect(parseAgentOutput("I found these targets: {regression_targets: [target-a, target-b]}")).toEqual({ artifacts: [] });
    expect(parseAgentOutput('{"confidence": 0.9,')).toEqual({ artifacts: [] });
    expect(parseAgentOutput("")).toEqual({ artifacts: [] });
  });

  it("ignores non-numeric scores but accepts numeric strings", () => {
    expect(parseAgentOutput('{"confidence":"high","quality_score":"0.5"}')).toMatchObject({ qualityScore: 0.5 });
    expect(parseAgentOutput('{"confidence":"high"}').confidence).toBeUndefined();
  });

  it("reads the result line of stream-json output", () => {
    const stdout = [
      '{"type":"system","subtype":"init"}',
      '{"type":"assistant","message":"working"}',
      `{"type":"result","result":${JSON.stringify('All good.\n```json\n{"confidence":0.88}\n```')}}`,
    ].join("\n");
    expect(parseAgentOutput(stdout).confidence).toBe(0.88);
  });
});
