import { describe, expect, it } from "vitest";
import { DesiredSetCache } from "../../src/reconcile/desired-cache.js";
import { agent, docs } from "./support/manifests.js";

const crd = (field: string) =>
  `apiVersion: orchestrator.dev/v2\nkind: CustomResourceDefinition\nmetadata:\n  name: widgets.acme.dev\nspec:\n  kind: Widget\n  plural: widgets\n  group: acme.dev\n  versions:\n    - name: v1\n      served: true\n      schema:\n        type: object\n        required: [${field}]\n        properties:\n          ${field}: {type: string}\n`;
const widget = `apiVersion: acme.dev/v1\nkind: Widget\nmetadata:\n  name: w\nspec:\n  size: big\n`;

describe("DesiredSetCache", () => {
  it("parses a file again only when its content changes", () => {
    const cache = new DesiredSetCache();
    const first = cache.build([{ file: "a.yaml", text: agent("a") }, { file: "b.yaml", text: agent("b") }]);
    const second = cache.build([{ file: "a.yaml", text: agent("a") }, { file: "b.yaml", text: agent("b", "echo changed") }]);
    // The same document objects: a.yaml was not parsed again; b.yaml was.
    expect(second.documents[0]).toBe(first.documents[0]);
    expect(second.documents[1]).not.toBe(first.documents[1]);
    expect(second.documents[1]!.resource.spec["command"]).toBe("echo changed");
    expect(cache.size).toBe(2);
    cache.build([{ file: "a.yaml", text: agent("a") }]);
    expect(cache.size).toBe(1);
  });

  it("finds duplicates across files even when both files come from the cache", () => {
    const cache = new DesiredSetCache();
    const files = [{ file: "a.yaml", text: agent("x") }, { file: "b.yaml", text: agent("x") }];
    cache.build(files);
    const again = cache.build(files);
    const dups = again.diagnostics.filter((d) => d.code === "duplicate");
    expect(dups.map((d) => d.position?.file)).toEqual(["a.yaml", "b.yaml"]);
  });

  it("validates again when the CustomResourceDefinitions change", () => {
    const cache = new DesiredSetCache();
    const ok = cache.build([{ file: "crd.yaml", text: crd("size") }, { file: "w.yaml", text: widget }]);
    expect(ok.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    const strict = cache.build([{ file: "crd.yaml", text: crd("colour") }, { file: "w.yaml", text: widget }]);
    expect(strict.diagnostics.some((d) => d.severity === "error" && d.position?.file === "w.yaml")).toBe(true);
  });

  it("gives the same diagnostics as validating the whole set at once", () => {
    const text = docs(agent("a"), "apiVersion: orchestrator.dev/v2\nkind: Agent\nmetadata:\n  name: b\nspec:\n  capabilities: 3\n  comand: x\n");
    const cached = new DesiredSetCache();
    cached.build([{ file: "a.yaml", text: agent("zzz") }]);
    const incremental = cached.build([{ file: "a.yaml", text }]);
    const fresh = new DesiredSetCache().build([{ file: "a.yaml", text }]);
    expect(incremental.diagnostics).toEqual(fresh.diagnostics);
    expect(new Set(fresh.diagnostics.map((d) => d.code))).toEqual(new Set(["schema", "unknown-field"]));
  });
});

describe("DesiredSetCache validating off the event loop", () => {
  it("gives the same documents and diagnostics as validating inline, and validates again when the CRDs change", async () => {
    const bad = agent("a").replace("command: echo hi", "command: 3");
    const files = [{ file: "crd.yaml", text: crd("size") }, { file: "w.yaml", text: widget }, { file: "a.yaml", text: bad }];
    const inline = new DesiredSetCache().build(files);
    const off = new DesiredSetCache({ offThread: true });
    await off.prime(files);
    const first = off.build(files);
    expect(first.diagnostics).toEqual(inline.diagnostics);
    expect(first.documents.map((d) => d.resource)).toEqual(inline.documents.map((d) => d.resource));

    // A CRD that now requires another field: the unchanged widget is validated again against it.
    const next = [{ file: "crd.yaml", text: crd("colour") }, files[1]!, files[2]!];
    await off.prime(next);
    const second = off.build(next);
    expect(second.diagnostics).toEqual(new DesiredSetCache().build(next).diagnostics);
    expect(second.diagnostics.some((d) => d.resource === "widget/w" && /colour/.test(`${d.path} ${d.message}`)), JSON.stringify(second.diagnostics)).toBe(true);
  });
});
