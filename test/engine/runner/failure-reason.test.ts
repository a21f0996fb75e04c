import { describe, expect, it } from "vitest";
import { boundedReason, MAX_REASON_CHARS } from "../../../src/engine/runner/failure-reason.js";

describe("boundedReason", () => {
  it("keeps a short message as it is", () => {
    expect(boundedReason("spawn /bin/sh ENOENT")).toBe("spawn /bin/sh ENOENT");
  });

  it("keeps a bounded excerpt of the first line of a message that quotes a whole prompt, secrets replaced", () => {
    const prompt = "p".repeat(50_000);
    const r = boundedReason(`The argument 'args[1]' must be a string without null bytes. Received 'claude -p s3cret-token ${prompt}'\nmore`, ["s3cret-token"]);
    expect(r.length).toBeLessThan(MAX_REASON_CHARS + 80);
    expect(r).not.toContain("s3cret-token");
    expect(r).toContain("[REDACTED]");
    expect(r).toMatch(/… \(\d+ more characters not recorded\)$/);
  });
});
