import { describe, expect, it } from "vitest";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT } from "../support/cli.js";
import { EVENT_TYPES, isKnownEventType } from "../../src/store/event-types.js";

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return name.endsWith(".ts") ? [path] : [];
  });
}

describe("EVENT_TYPES", () => {
  it("lists every event type the code records (so `event list --type` accepts it)", () => {
    const recorded = new Set<string>();
    for (const file of [...sources(join(REPO_ROOT, "src")), ...sources(join(REPO_ROOT, "controllers"))]) {
      const text = readFileSync(file, "utf8");
      // `type: "snake_case"` in an event literal, and the first argument of resourceEvent/taskEvent.
      for (const m of text.matchAll(/\btype: "([a-z]+(?:_[a-z]+)+)"/g)) recorded.add(m[1]!);
      for (const m of text.matchAll(/\b(?:resourceEvent|taskEvent)\("([a-z_]+)"/g)) recorded.add(m[1]!);
    }
    expect(recorded.size).toBeGreaterThan(5);
    expect([...recorded].filter((t) => !isKnownEventType(t))).toEqual([]);
  });

  it("has no duplicates", () => {
    expect(new Set(EVENT_TYPES).size).toBe(EVENT_TYPES.length);
  });
});
