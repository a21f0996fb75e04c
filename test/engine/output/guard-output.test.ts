import { describe, expect, it } from "vitest";
import { parseGuardOutput } from "../../../src/engine/output/guard-output.js";

describe("parseGuardOutput", () => {
  it("stops on should_stop or continue: false", () => {
    expect(parseGuardOutput('{"should_stop": true, "reason": "all green"}')).toEqual({ stop: true, reason: "all green" });
    expect(parseGuardOutput('log line\n{"continue": false}')).toEqual({ stop: true, reason: "guard_json" });
  });

  it("continues on anything else", () => {
    expect(parseGuardOutput('{"continue": true}').stop).toBe(false);
    expect(parseGuardOutput("keep going").stop).toBe(false);
  });
});
