/**
 * @module `source tree NAME`, as `flux tree` draws a Kustomization: the
 * resources a source applied (its inventory), in apply order, and under
 * each Source among them, what that source applied in turn. A source that
 * declares one of its ancestors is shown once and marked, never followed
 * round again.
 */
import { BUILTIN_KINDS } from "../../resources/kinds.js";
import type { JsonObject } from "../../resources/types.js";
import type { InventoryItem, SourceStore } from "../../store/source-store.js";

export interface TreeNode {
  kind: string;
  project: string;
  name: string;
  /** Taken over from a hand-applied resource: released, never pruned, when the source drops it. */
  adopted: boolean;
  /** A Source's own inventory; undefined for other kinds. */
  children?: TreeNode[];
  /** A Source already shown above: not followed again. */
  cycle?: boolean;
}

const ORDER = new Map(BUILTIN_KINDS.map((k) => [k.kind, k.order]));
const rank = (kind: string): number => ORDER.get(kind) ?? 60;

function byApplyOrder(a: InventoryItem, b: InventoryItem): number {
  return rank(a.kind) - rank(b.kind) || a.kind.localeCompare(b.kind) || a.project.localeCompare(b.project) || a.name.localeCompare(b.name);
}

/** The tree of what `name` applied; `seen` holds the sources on the path from the root. */
export function buildSourceTree(sources: SourceStore, name: string, seen: ReadonlySet<string> = new Set()): TreeNode {
  const path = new Set([...seen, name]);
  const children = sources
    .getInventory(name)
    .sort(byApplyOrder)
    .map((item): TreeNode => {
      const node: TreeNode = { kind: item.kind, project: item.project, name: item.name, adopted: item.adopted === true };
      if (item.kind === "Source" && item.project === "" && sources.getSource(item.name)) {
        if (path.has(item.name)) node.cycle = true;
        else node.children = buildSourceTree(sources, item.name, path).children ?? [];
      }
      return node;
    });
  return { kind: "Source", project: "", name, adopted: false, children };
}

/** `Agent/default/coder`, `Source/default`: the project stands where flux puts the namespace. */
function label(n: TreeNode): string {
  return `${n.kind}/${n.project ? `${n.project}/` : ""}${n.name}${n.adopted ? " (adopted)" : ""}${n.cycle ? " (declares a source above it; not followed)" : ""}`;
}

export function renderSourceTree(root: TreeNode): string {
  const lines = [label(root)];
  const walk = (nodes: readonly TreeNode[], prefix: string): void => {
    nodes.forEach((n, i) => {
      const last = i === nodes.length - 1;
      lines.push(`${prefix}${last ? "└── " : "├── "}${label(n)}`);
      if (n.children?.length) walk(n.children, `${prefix}${last ? "    " : "│   "}`);
    });
  };
  walk(root.children ?? [], "");
  if (!root.children?.length) lines.push("(applied nothing yet; `orchestrator sync` runs a pass)");
  return lines.join("\n") + "\n";
}

/** The tree as JSON: each node's kind, project, name, adopted flag and, for Sources, its resources. */
export function sourceTreeView(root: TreeNode): JsonObject {
  const node = (n: TreeNode): JsonObject => {
    const out: JsonObject = { kind: n.kind, project: n.project, name: n.name, adopted: n.adopted };
    if (n.cycle) out["cycle"] = true;
    if (n.children) out["resources"] = n.children.map(node);
    return out;
  };
  return { source: root.name, resources: (root.children ?? []).map(node) };
}
