/**
 * @module Status files: `.orchestrator/status/<project>/<kind>/<name>.yaml`
 * for every resource a pass created or changed (removed when pruned), so
 * tools and people can read state without the store. Never written into a
 * source. Project `_` for the kinds outside projects (Project, CRD).
 */
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BUILTIN_KINDS } from "../resources/kinds.js";
import { API_VERSION, type JsonObject, type JsonValue, type ResourceKey } from "../resources/types.js";
import type { Home } from "../store/home.js";
import type { Store } from "../store/store.js";
import { Reason } from "./conditions.js";
import type { PlannedAction } from "./plan.js";
import { statusYaml } from "./status-yaml.js";

const UNSCOPED: ReadonlySet<string> = new Set(BUILTIN_KINDS.filter((k) => !k.projectScoped).map((k) => k.kind));
const DECLARATIVE: ReadonlySet<string> = new Set(["Task", "Run"]);

export function statusDir(home: Home): string {
  return join(home.dir, "status");
}

export function statusFilePath(home: Home, key: ResourceKey): string {
  const project = UNSCOPED.has(key.kind) ? "_" : key.project;
  return join(statusDir(home), project, key.kind.toLowerCase(), `${key.name}.yaml`);
}

export interface StatusContext {
  /** `cli` or `source:<name>`. */
  appliedBy: string;
  /** Revision of the source the pass applied. */
  revision?: string;
  now?: string;
}

/** Writes (or removes) the status file of every resource the pass changed. */
export function writeStatusFiles(home: Home, store: Store, actions: readonly PlannedAction[], ctx: StatusContext): void {
  const now = ctx.now ?? new Date().toISOString();
  const madeDirs = new Set<string>();
  for (const a of actions) {
    if (a.verb === "unchanged") continue;
    const path = statusFilePath(home, a.key);
    if (a.verb === "pruned") {
      rmSync(path, { force: true });
      continue;
    }
    const dir = path.slice(0, path.lastIndexOf("/"));
    if (!madeDirs.has(dir)) {
      mkdirSync(dir, { recursive: true });
      madeDirs.add(dir);
    }
    writeFileSync(path, statusYaml(statusDocument(a, store, ctx, now)));
  }
}

function generationAfter(a: PlannedAction): number {
  if (a.verb === "created" || !a.head) return 1;
  const bumped = a.change?.op === "update" && a.change.specChanged;
  return a.head.generation + (bumped ? 1 : 0);
}

function statusDocument(a: PlannedAction, store: Store, ctx: StatusContext, now: string): { [key: string]: JsonValue } {
  const generation = generationAfter(a);
  const source = ctx.appliedBy.startsWith("source:") ? ctx.appliedBy.slice("source:".length) : null;
  const origin: JsonObject = { appliedBy: ctx.appliedBy };
  if (source) origin.source = source;
  if (ctx.revision) origin.revision = ctx.revision;
  const write = a.change && a.change.op !== "delete" ? a.change.resource : undefined;
  if (write?.origin.commit) origin.commit = write.origin.commit;
  if (write?.origin.file) origin.file = write.origin.file;
  if (write?.origin.line !== undefined) origin.line = write.origin.line;

  const status: JsonObject = { generation };
  if (DECLARATIVE.has(a.key.kind)) {
    // The engine owns a Task's or Run's status; until it acts, it is Pending.
    const stored = store.getResource(a.key)?.status;
    Object.assign(status, stored && Object.keys(stored).length ? stored : { phase: "Pending" });
  } else {
    status.observedGeneration = generation;
  }
  status.conditions = [
    {
      type: "Ready",
      status: "True",
      reason: Reason.Succeeded,
      message: a.drift ? "Restored from the source after an out-of-band change" : `Applied (${a.verb})`,
      lastTransitionTime: now,
    },
  ];
  status.origin = origin;
  status.updatedAt = now;
  const metadata: JsonObject = { name: a.key.name };
  if (!UNSCOPED.has(a.key.kind)) metadata.project = a.key.project;
  return {
    apiVersion: write?.apiVersion ?? API_VERSION,
    kind: a.key.kind,
    metadata,
    status,
  };
}
