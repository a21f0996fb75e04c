/**
 * @module Status files: `.orchestrator/status/<project>/<kind>/<name>.yaml`
 * for every reconciled resource (removed when pruned), so tools and people
 * can read state without the store. Never written into a source. Project
 * `_` for the kinds outside projects (Project, CRD).
 *
 * Which resources have one: everything a source applies, every Task, Run
 * and Trigger (their status is the runtime's), and a resource applied by
 * hand that a source had applied before (its file would go stale). Other
 * resources applied by hand (`apply -f`) are read with `get`/`describe`:
 * creating ten thousand files would cost an apply more than the rest of it.
 *
 * A file is replaced atomically (temp file + rename), so a reader never sees
 * half of one; only a pass writing more than BULK_FILES files writes them in
 * place, since a rename each would cost more than the rest of the pass (a
 * reader may then catch one half-written). A pass leaves a mark
 * (its applier and process id) before it commits and clears it once its
 * status files are written; a pass that finds a mark of its applier whose
 * process is gone (it died in between) rewrites every status file of that
 * applier and removes those of resources that no longer exist, so the files
 * catch up with the store level-triggered, as the store itself does.
 */
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BUILTIN_KINDS } from "../resources/kinds.js";
import { API_VERSION, type JsonObject, type JsonValue, type ResourceKey } from "../resources/types.js";
import type { Home } from "../store/home.js";
import type { ResourceOrigin, Store, StoredResource } from "../store/store.js";
import { Reason } from "./conditions.js";
import type { PlannedAction } from "./plan.js";
import { statusYaml } from "./status-yaml.js";

const UNSCOPED: ReadonlySet<string> = new Set(BUILTIN_KINDS.filter((k) => !k.projectScoped).map((k) => k.kind));
const DECLARATIVE: ReadonlySet<string> = new Set(["Task", "Run"]);
/** Kinds whose status the runtime writes (the engine, the trigger scheduler): a pass keeps those fields. */
const RUNTIME_STATUS: ReadonlySet<string> = new Set([...DECLARATIVE, "Trigger"]);
/** What a pass computes itself; any other stored field is the runtime's and is kept. */
const PASS_FIELDS: ReadonlySet<string> = new Set(["generation", "observedGeneration", "conditions", "origin", "updatedAt"]);
/** Folder name of the kinds outside projects. */
const NO_PROJECT = "_";
const PENDING_DIR = ".pending";

export function statusDir(home: Home): string {
  return join(home.dir, "status");
}

export function statusFilePath(home: Home, key: ResourceKey): string {
  const project = UNSCOPED.has(key.kind) || key.project === "" ? NO_PROJECT : key.project;
  return join(statusDir(home), project, key.kind.toLowerCase(), `${key.name}.yaml`);
}

/** What a status document is made of; the same shape whoever writes it (a pass or the engine). */
export interface StatusSubject {
  key: ResourceKey;
  apiVersion?: string;
  generation: number;
  origin: ResourceOrigin;
  /** The status the store holds (the engine's for Tasks and Runs, the scheduler's for Triggers). */
  stored?: JsonObject | undefined;
  /** Revision of the source that applied it. */
  revision?: string;
  /** Message of the Ready condition of a non-declarative resource. */
  message?: string;
}

export function statusDocument(s: StatusSubject, now: string): { [key: string]: JsonValue } {
  const origin: JsonObject = { appliedBy: s.origin.appliedBy };
  if (s.origin.appliedBy.startsWith("source:")) origin["source"] = s.origin.appliedBy.slice("source:".length);
  if (s.revision) origin["revision"] = s.revision;
  if (s.origin.commit) origin["commit"] = s.origin.commit;
  if (s.origin.file) origin["file"] = s.origin.file;
  if (s.origin.line !== undefined) origin["line"] = s.origin.line;

  const status: JsonObject = { generation: s.generation };
  if (DECLARATIVE.has(s.key.kind)) Object.assign(status, declarativeStatus(s, now));
  else {
    for (const [k, v] of Object.entries(s.stored ?? {})) if (!PASS_FIELDS.has(k)) status[k] = v;
    status["observedGeneration"] = s.generation;
    status["conditions"] = [{ type: "Ready", status: "True", reason: Reason.Succeeded, message: s.message ?? "Applied", lastTransitionTime: now }];
  }
  status["origin"] = origin;
  status["updatedAt"] = now;
  const metadata: JsonObject = { name: s.key.name };
  if (!UNSCOPED.has(s.key.kind) && s.key.project !== "") metadata["project"] = s.key.project;
  return { apiVersion: s.apiVersion ?? API_VERSION, kind: s.key.kind, metadata, status };
}

/**
 * The engine owns a Task's or Run's status, but only for the generation it
 * ran: until it acts on the current one, the resource is Pending.
 */
function declarativeStatus(s: StatusSubject, now: string): JsonObject {
  const stored = s.stored;
  if (stored && stored["observedGeneration"] === s.generation) return stored;
  const pending: JsonObject = {
    phase: "Pending",
    conditions: [{ type: "Ready", status: "Unknown", reason: "Pending", message: `generation ${s.generation} waits for the engine to run it`, lastTransitionTime: now }],
  };
  if (stored && typeof stored["observedGeneration"] === "number") pending["observedGeneration"] = stored["observedGeneration"];
  return pending;
}

/** Whether a resource of `kind` applied by `appliedBy` (before: `previous`) keeps a status file. */
export function keepsStatusFile(kind: string, appliedBy: string, previous?: string): boolean {
  return appliedBy.startsWith("source:") || RUNTIME_STATUS.has(kind) || (previous?.startsWith("source:") ?? false);
}

/**
 * Writes one status file. `atomic` replaces it whole (a reader never sees
 * half of one); a pass writes in place and repairs what a crash tore.
 */
export function writeStatusFile(home: Home, key: ResourceKey, doc: { [key: string]: JsonValue }, opts: { atomic?: boolean; madeDirs?: Set<string> } = {}): void {
  const path = statusFilePath(home, key);
  const dir = path.slice(0, path.lastIndexOf("/"));
  const text = statusYaml(doc);
  const target = opts.atomic === false ? path : `${path}.${process.pid}.tmp`;
  if (opts.madeDirs && !opts.madeDirs.has(dir)) {
    mkdirSync(dir, { recursive: true });
    opts.madeDirs.add(dir);
  }
  try {
    writeFileSync(target, text);
  } catch (err) {
    // The directory is there but for a resource's first file: make it only then.
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
    mkdirSync(dir, { recursive: true });
    writeFileSync(target, text);
  }
  if (target !== path) renameSync(target, path);
}

export function removeStatusFile(home: Home, key: ResourceKey): void {
  rmSync(statusFilePath(home, key), { force: true });
}

export interface StatusContext {
  /** `cli` or `source:<name>`. */
  appliedBy: string;
  /** Revision of the source the pass applied. */
  revision?: string;
  now?: string;
}

/** Writes (or removes) the status file of every resource the pass changed. */
/** Above this many files in one pass, they are written in place. */
const BULK_FILES = 1000;

export function writeStatusFiles(home: Home, store: Store, actions: readonly PlannedAction[], ctx: StatusContext): void {
  const now = ctx.now ?? new Date().toISOString();
  const madeDirs = new Set<string>();
  const atomic = actions.filter((a) => a.verb !== "unchanged" || a.released).length <= BULK_FILES;
  for (const a of actions) {
    if (a.released) {
      // Handed back to `cli`: its content is unchanged, its origin is not.
      const r = store.getResource(a.key);
      if (r) writeStoredStatusFile(home, r, { now, atomic });
      continue;
    }
    if (a.verb === "unchanged") continue;
    if (a.verb === "pruned") {
      removeStatusFile(home, a.key);
      continue;
    }
    if (!keepsStatusFile(a.key.kind, ctx.appliedBy, a.head?.appliedBy)) continue;
    const write = a.change && a.change.op !== "delete" ? a.change.resource : undefined;
    const subject: StatusSubject = {
      key: a.key,
      generation: generationAfter(a),
      origin: write?.origin ?? { appliedBy: ctx.appliedBy },
      message: a.drift ? "Restored from the source after an out-of-band change" : `Applied (${a.verb})`,
      ...(write?.apiVersion ? { apiVersion: write.apiVersion } : {}),
      ...(ctx.revision ? { revision: ctx.revision } : {}),
    };
    if (RUNTIME_STATUS.has(a.key.kind)) subject.stored = store.getResource(a.key)?.status;
    writeStatusFile(home, a.key, statusDocument(subject, now), { atomic, madeDirs });
  }
}

function generationAfter(a: PlannedAction): number {
  if (a.verb === "created" || !a.head) return 1;
  const bumped = a.change?.op === "update" && a.change.specChanged;
  return a.head.generation + (bumped ? 1 : 0);
}

/** The status file of one stored resource, as it is now (atomically unless `atomic: false`). */
export function writeStoredStatusFile(home: Home, r: StoredResource, opts: { revision?: string; now?: string; atomic?: boolean } = {}): void {
  const subject: StatusSubject = {
    key: { project: r.metadata.project, kind: r.kind, name: r.metadata.name },
    apiVersion: r.apiVersion,
    generation: r.generation,
    origin: r.origin,
    stored: r.status,
    ...(opts.revision ? { revision: opts.revision } : {}),
  };
  writeStatusFile(home, subject.key, statusDocument(subject, opts.now ?? new Date().toISOString()), { atomic: opts.atomic !== false });
}

/** One mark per process: a pass of the same applier in another live process is not a crash. */
function pendingMark(home: Home, appliedBy: string, pid: number = process.pid): string {
  return join(statusDir(home), PENDING_DIR, `${encodeURIComponent(appliedBy)}.${pid}`);
}

/** Says, before a commit, that this applier's status files may lag behind the store. */
export function markStatusPending(home: Home, appliedBy: string): void {
  mkdirSync(join(statusDir(home), PENDING_DIR), { recursive: true });
  writeFileSync(pendingMark(home, appliedBy), "");
}

export function clearStatusPending(home: Home, appliedBy: string): void {
  rmSync(pendingMark(home, appliedBy), { force: true });
}

/** Marks of `appliedBy` left by processes that are gone: passes that died between commit and status files. */
function deadMarks(home: Home, appliedBy: string): string[] {
  const prefix = `${encodeURIComponent(appliedBy)}.`;
  const dir = join(statusDir(home), PENDING_DIR);
  return readdirNames(dir)
    .filter((f) => f.startsWith(prefix) && !processAlive(Number(f.slice(prefix.length))))
    .map((f) => join(dir, f));
}

export function statusPending(home: Home, appliedBy: string): boolean {
  return deadMarks(home, appliedBy).length > 0;
}

function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Brings the status files in line with the store after a pass was cut
 * short: every resource of `appliedBy` gets its file rewritten, and files
 * of resources the store no longer holds are removed.
 */
export function resyncStatusFiles(home: Home, store: Store, appliedBy: string, opts: { revision?: string } = {}): { written: number; removed: number } {
  const now = new Date().toISOString();
  const live = new Set<string>();
  let written = 0;
  for (const r of store.listResources({ allProjects: true })) {
    const key = { project: r.metadata.project, kind: r.kind, name: r.metadata.name };
    live.add(statusFilePath(home, key));
    if (r.origin.appliedBy !== appliedBy || !keepsStatusFile(r.kind, appliedBy)) continue;
    writeStoredStatusFile(home, r, { ...opts, now, atomic: false });
    written++;
  }
  let removed = 0;
  for (const file of statusFilesOnDisk(home)) {
    if (live.has(file)) continue;
    rmSync(file, { force: true });
    removed++;
  }
  for (const mark of deadMarks(home, appliedBy)) rmSync(mark, { force: true });
  return { written, removed };
}

/**
 * Every `<project>/<kind>/<name>.yaml` under the status folder, and temp
 * files left by dead processes; another live process's temp file is about
 * to be renamed into place and is left alone.
 */
function statusFilesOnDisk(home: Home): string[] {
  const root = statusDir(home);
  const out: string[] = [];
  for (const project of readdirNames(root)) {
    if (project === PENDING_DIR) continue;
    for (const kind of readdirNames(join(root, project))) {
      for (const file of readdirNames(join(root, project, kind))) {
        const tmp = /\.(\d+)\.tmp$/.exec(file);
        if (tmp && processAlive(Number(tmp[1]))) continue;
        out.push(join(root, project, kind, file));
      }
    }
  }
  return out;
}

function readdirNames(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
