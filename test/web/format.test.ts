import { describe, expect, it } from "vitest";
import { formatTime, relative } from "../../web/src/format.js";

describe("relative times on the page", () => {
  const now = Date.parse("2026-05-01T12:00:00.000Z");
  const at = (ms: number): string => new Date(now + ms).toISOString();

  it("says `in` for a time ahead and `ago` for one past, in the unit the CLI's ages use", () => {
    expect(relative(at(3_000), now)).toBe("in 3s");
    expect(relative(at(-90_000), now)).toBe("90s ago");
    expect(relative(at(-5 * 60_000), now)).toBe("5m ago");
    expect(relative(at(3 * 3_600_000), now)).toBe("in 3h");
    expect(relative(at(-3 * 86_400_000), now)).toBe("3d ago");
  });

  it("calls a moment just past `0s ago`, never `in 0s`", () => {
    expect(relative(at(-400), now)).toBe("0s ago");
    expect(relative(at(400), now)).toBe("in 0s");
  });

  it("shows nothing for no time and an unreadable one as given", () => {
    expect(relative(null, now)).toBe("");
    expect(relative("soon", now)).toBe("soon");
    expect(formatTime(undefined)).toBe("");
    expect(formatTime("soon")).toBe("soon");
  });
});
