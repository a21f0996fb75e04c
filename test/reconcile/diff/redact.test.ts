import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  diffResource,
  hmacFingerprint,
  renderDiffJson,
  renderDiffMarkdown,
  renderDiffText,
  type DiffOptions,
  type ResourceDiff,
} from "../../../src/reconcile/diff/index.js";
import type { Resource } from "../../../src/resources/types.js";
import { API, secretStore } from "./sample-resources.js";

const SECRETS = ["sk-live-OLD-9f8e7d", "sk-live-NEW-1a2b3c", "hunter2-unchanged", "ghp_removedToken77", "xoxb-added-5555"];
const [OLD, NEW, SAME, REMOVED, ADDED] = SECRETS as [string, string, string, string, string];

function scenario(opts: DiffOptions): ResourceDiff[] {
  return [
    diffResource(
      secretStore({ API_KEY: OLD, DB_PASSWORD: SAME, LEGACY: REMOVED }),
      secretStore({ API_KEY: NEW, DB_PASSWORD: SAME, SLACK: ADDED }),
      opts,
    ),
    diffResource(undefined, secretStore({ TOKEN: NEW }, "created"), opts),
    diffResource(secretStore({ TOKEN: OLD }, "deleted"), undefined, opts),
  ];
}

function everyOutput(diffs: ResourceDiff[]): string {
  return [JSON.stringify(diffs), renderDiffText(diffs, []), renderDiffMarkdown(diffs, []), renderDiffJson(diffs, [])].join("\n");
}

describe("secret redaction", () => {
  for (const [label, opts] of [
    ["without a fingerprint", {}],
    ["with a keyed fingerprint", { secretFingerprint: hmacFingerprint("store-key") }],
  ] as const) {
    it(`never shows a secret value, ${label}`, () => {
      const out = everyOutput(scenario(opts));
      for (const secret of SECRETS) expect(out).not.toContain(secret);
      // Keys are not secret: a reviewer sees which entries changed.
      expect(out).toContain("API_KEY");
    });
  }

  it("without a fingerprint, marks changed values and leaves unchanged ones out of the changes", () => {
    const [update] = scenario({});
    expect(update!.action).toBe("update");
    expect(update!.changes).toEqual([
      { path: "spec.data.API_KEY", op: "changed", before: "<redacted>", after: "<redacted, changed>" },
      { path: "spec.data.SLACK", op: "added", after: "<redacted>" },
      { path: "spec.data.LEGACY", op: "removed", before: "<redacted>" },
    ]);
    expect(update!.unified).toContain("-    API_KEY: <redacted>\n+    API_KEY: <redacted, changed>\n");
    expect(update!.unified).toContain("     DB_PASSWORD: <redacted>\n");
  });

  it("with a fingerprint, equal values share a marker and changed values differ", () => {
    const fp = hmacFingerprint("store-key");
    const [update] = scenario({ secretFingerprint: fp });
    const change = update!.changes.find((c) => c.path === "spec.data.API_KEY")!;
    expect(change.before).toBe(`<redacted ${fp(OLD)}>`);
    expect(change.after).toBe(`<redacted ${fp(NEW)}>`);
    expect(change.before).not.toBe(change.after);
    expect(update!.changes.map((c) => c.path)).not.toContain("spec.data.DB_PASSWORD");
    expect(fp(SAME)).toMatch(/^hmac:[0-9a-f]{12}$/);
  });

  it("uses a keyed digest: the marker is not a plain hash of the value, and depends on the key", () => {
    const out = everyOutput(scenario({ secretFingerprint: hmacFingerprint("store-key") }));
    for (const secret of SECRETS) {
      expect(out).not.toContain(createHash("sha256").update(secret).digest("hex").slice(0, 12));
    }
    expect(hmacFingerprint("a")(OLD)).not.toBe(hmacFingerprint("b")(OLD));
  });

  it("reports an unchanged secret store as unchanged", () => {
    const d = diffResource(secretStore({ K: SAME }), secretStore({ K: SAME }));
    expect(d.action).toBe("unchanged");
  });

  it("hides a malformed data value (not a mapping) as a whole", () => {
    const bad: Resource = { apiVersion: API, kind: "SecretStore", metadata: { name: "bad" }, spec: { data: OLD } };
    const d = diffResource(undefined, bad);
    expect(d.unified).not.toContain(OLD);
    expect(d.unified).toContain("data: <redacted>");
  });

  it("does not redact kinds that hold no secrets", () => {
    const env = (v: string): Resource => ({ apiVersion: API, kind: "EnvStore", metadata: { name: "e" }, spec: { data: { LOG: v } } });
    expect(diffResource(env("debug"), env("info")).changes).toEqual([
      { path: "spec.data.LOG", op: "changed", before: "debug", after: "info" },
    ]);
  });
});
