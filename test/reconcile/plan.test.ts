import { afterEach, describe, expect, it } from "vitest";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KindRegistry } from "../../src/resources/kinds.js";
import { parseDesiredFiles } from "../../src/reconcile/desired-set.js";
import { changesOf, planChanges } from "../../src/reconcile/plan.js";
import { initHome } from "../../src/store/home.js";
import { openStore } from "../../src/store/sqlite/open.js";
import type { Store } from "../../src/store/store.js";

const agent = (name: string, command = "echo hi", labels = ""): string =>
  `apiVersion: orchestrator.dev/v2\nkind: Agent\nmetadata:\n  name: ${name}\n${labels}spec:\n  capabilities: [x]\n  command: ${command}\n`;
const workspace = (name: string): string => `apiVersion: orchestrator.dev/v2\nkind: Workspace\nmetadata:\n  name: ${name}\nspec:\n  root_path: "."\n  qa_targets: []\n  ticket_dir: t\n`;

describe("planChanges", () => {
  let dir: string;
  let store: Store;
  const registry = new KindRegistry();
  afterEach(() => {
    store?.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const setup = (): void => {
    dir = mkdtempSync(join(tmpdir(), "plan-"));
    store = openStore(initHome(dir, {}).home);
  };
  const desired = (text: string, project?: string) => {
    const set = parseDesiredFiles([{ file: "m.yaml", text }], project ? { project } : {});
    expect(set.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    return set.documents;
  };
  const verbs = (docs: ReturnType<typeof desired>, prune = false): string[] =>
    planChanges(docs, store, { registry, appliedBy: "cli", prune }).map((a) => `${a.key.kind}/${a.key.name} ${a.verb}`);
  const apply = (docs: ReturnType<typeof desired>, prune = false, appliedBy = "cli"): void =>
    store.commit(changesOf(planChanges(docs, store, { registry, appliedBy, prune })), appliedBy);

  it("creates what is missing, in apply order whatever the document order", () => {
    setup();
    expect(verbs(desired(workspace("w") + "---\n" + agent("a")))).toEqual(["Agent/a created", "Workspace/w created"]);
  });

  it("is unchanged when the content hash is equal, configured otherwise", () => {
    setup();
    apply(desired(agent("a")));
    expect(verbs(desired(agent("a")))).toEqual(["Agent/a unchanged"]);
    expect(verbs(desired(agent("a", "echo changed")))).toEqual(["Agent/a configured"]);
    expect(verbs(desired(agent("a", "echo hi", "  labels: {x: y}\n")))).toEqual(["Agent/a configured"]);
  });

  it("marks a spec change, and only a spec change, as specChanged", () => {
    setup();
    apply(desired(agent("a")));
    const labels = planChanges(desired(agent("a", "echo hi", "  labels: {x: y}\n")), store, { registry, appliedBy: "cli" });
    expect(labels[0]!.change).toMatchObject({ op: "update", specChanged: false });
    const spec = planChanges(desired(agent("a", "echo 2")), store, { registry, appliedBy: "cli" });
    expect(spec[0]!.change).toMatchObject({ op: "update", specChanged: true });
  });

  it("prunes only kinds and projects the set applies, only what the same applier owns, in reverse order", () => {
    setup();
    apply(desired(agent("a") + "---\n" + agent("b") + "---\n" + workspace("w")));
    apply(desired(agent("other")), false, "source:git");
    apply(desired(agent("elsewhere"), "team"));
    expect(verbs(desired(agent("a")), true)).toEqual(["Agent/a unchanged", "Agent/b pruned"]);
    expect(verbs(desired(agent("a")), false)).toEqual(["Agent/a unchanged"]);
  });

  it("records who applied a resource and the file and line it came from", () => {
    setup();
    apply(desired(workspace("w") + "---\n" + agent("a")));
    const a = store.getResource({ project: "default", kind: "Agent", name: "a" })!;
    expect(a.origin).toMatchObject({ appliedBy: "cli", file: "m.yaml", line: 10 });
  });
});
