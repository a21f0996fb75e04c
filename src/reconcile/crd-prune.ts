/**
 * @module A pass that prunes a CustomResourceDefinition while instances of
 * its kind stay (in the store, or in the desired set itself) would leave them
 * with no definition: nothing could validate, export or delete them by kind.
 * Such a pass is refused, as `delete crd/NAME` without `--force` is.
 */
import type { Diagnostic } from "../resources/diagnostics.js";
import { customKindOf } from "../resources/crd-kinds.js";
import type { Store } from "../store/store.js";
import { Reason } from "./conditions.js";
import { PassRefusedError } from "./ownership.js";
import { keyString, type PlannedAction } from "./plan.js";

const CRD = "CustomResourceDefinition";

export function orphaningPruneError(store: Store, actions: readonly PlannedAction[]): PassRefusedError | undefined {
  const pruned = actions.filter((a) => a.verb === "pruned");
  if (!pruned.some((a) => a.key.kind === CRD)) return undefined;
  const gone = new Set(pruned.map((a) => keyString(a.key)));
  const diagnostics: Diagnostic[] = [];
  for (const a of pruned.filter((x) => x.key.kind === CRD)) {
    const crd = a.live ?? store.getResource(a.key);
    const kind = crd && customKindOf(crd)?.kind;
    if (!kind) continue;
    const stay = new Set<string>();
    for (const r of store.listResources({ kind, allProjects: true })) {
      const key = { project: r.metadata.project, kind, name: r.metadata.name };
      if (!gone.has(keyString(key))) stay.add(`${key.project}/${key.name}`);
    }
    for (const d of actions) if (d.verb !== "pruned" && d.key.kind === kind) stay.add(`${d.key.project}/${d.key.name}`);
    if (stay.size === 0) continue;
    const names = [...stay].sort();
    diagnostics.push({
      severity: "error",
      code: "crd",
      resource: `customresourcedefinition/${a.key.name}`,
      message: `pruning it would leave ${names.length} ${kind} resource${names.length === 1 ? "" : "s"} without a definition: ${names.join(", ")}`,
      hint: `remove them from the set too (they are pruned with it), keep the CustomResourceDefinition, or run \`orchestrator delete crd/${a.key.name} --force\`, which deletes its instances`,
    });
  }
  if (diagnostics.length === 0) return undefined;
  return new PassRefusedError(Reason.ValidationFailed, "the pass would prune a CustomResourceDefinition whose instances stay; nothing was applied", diagnostics);
}
