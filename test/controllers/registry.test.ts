import { describe, expect, it } from "vitest";
import { BUILTIN_CONTROLLERS, controllerFor } from "../../controllers/registry.js";
import { BUILTIN_KIND_NAMES } from "../../src/resources/kinds.js";

describe("the controller registry", () => {
  it("has one controller per built-in kind, and one for any custom kind", () => {
    expect(BUILTIN_CONTROLLERS.map((c) => c.kind).sort()).toEqual([...BUILTIN_KIND_NAMES].sort());
    expect(controllerFor("Agent").kind).toBe("Agent");
    expect(controllerFor("Widget")).toMatchObject({ kind: "Widget" });
    expect(controllerFor("Widget").afterCommit).toBeUndefined();
  });
});
