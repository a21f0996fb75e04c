/**
 * @module Turning command-line kind names and `KIND/NAME` references into
 * registry kinds, with errors that list what is known.
 */
import { registryWith } from "../resources/crd-kinds.js";
import type { KindInfo, KindRegistry } from "../resources/kinds.js";
import { DEFAULT_PROJECT } from "../resources/types.js";
import type { Store } from "../store/store.js";
import { UsageError } from "./errors.js";

export function storeRegistry(store: Store): KindRegistry {
  return registryWith(store.listResources({ kind: "CustomResourceDefinition", allProjects: true }));
}

export function resolveKind(registry: KindRegistry, name: string): KindInfo {
  const k = registry.resolve(name);
  if (!k) {
    throw new UsageError(`unknown kind '${name}'; known kinds: ${registry.kindNames().join(", ")}`);
  }
  return k;
}

export interface RefArg {
  kind: KindInfo;
  name: string;
}

/** Accepts `KIND/NAME...` or `KIND NAME...` (the latter as kubectl does). */
export function parseRefs(registry: KindRegistry, args: readonly string[]): RefArg[] {
  if (args.length === 0) throw new UsageError("expected KIND/NAME");
  if (!args[0]!.includes("/")) {
    if (args.length < 2) throw new UsageError(`expected KIND/NAME or KIND NAME, got '${args[0]}'`);
    const kind = resolveKind(registry, args[0]!);
    return args.slice(1).map((name) => ({ kind, name }));
  }
  return args.map((a) => {
    const i = a.indexOf("/");
    if (i <= 0 || i === a.length - 1) throw new UsageError(`expected KIND/NAME, got '${a}'`);
    return { kind: resolveKind(registry, a.slice(0, i)), name: a.slice(i + 1) };
  });
}

export function projectOf(kind: KindInfo, project: string | undefined): string {
  return kind.projectScoped ? (project ?? DEFAULT_PROJECT) : "";
}
