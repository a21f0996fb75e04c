/**
 * Which builtins validation reports as not supported comes from the
 * engine's registry (src/engine/runner/builtin-names.ts).
 */
import { describe, expect, it } from "vitest";
import { IMPLEMENTED_BUILTINS } from "../../src/engine/runner/builtin-names.js";
import { BUILTIN_STEP_NAMES } from "../../src/resources/defaults.js";
import { UNSUPPORTED_BUILTINS, UNSUPPORTED_STEP_FIELDS } from "../../src/resources/support.js";

describe("builtins", () => {
  it("every builtin a manifest may name is run by the engine or reported as unsupported", () => {
    expect([...IMPLEMENTED_BUILTINS, ...UNSUPPORTED_BUILTINS].sort()).toEqual([...BUILTIN_STEP_NAMES].sort());
    for (const b of IMPLEMENTED_BUILTINS) expect(UNSUPPORTED_BUILTINS).not.toContain(b);
  });

  it("item_select_config is reported only while the engine does not run item_select", () => {
    const listed = UNSUPPORTED_STEP_FIELDS.some((f) => f.path === "item_select_config");
    expect(listed).toBe(!IMPLEMENTED_BUILTINS.includes("item_select"));
  });
});
