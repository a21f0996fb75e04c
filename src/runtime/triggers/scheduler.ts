/**
 * @module The trigger scheduler the controller process runs: it fires cron
 * triggers at their ticks, task-event triggers on `task_completed` and
 * `task_failed` events (read from the store's events table after a cursor,
 * so events recorded by any process count), and filesystem triggers on file
 * changes (chokidar, debounced per trigger).
 *
 * Level-triggered, as the reconciler is: the plan is rebuilt from the stored
 * Trigger resources at start, whenever the resources version moves (whoever
 * changed them) and when the SchedulerHook asks, never from the change that
 * woke it. Work is done one step at a time (a chain of promises), so a
 * firing never overlaps a re-plan. Stopping clears the timers, closes the
 * watchers and waits for work in flight.
 */
import { existsSync } from "node:fs";
import { isAbsolute, relative, resolve, sep } from "node:path";
import type { FSWatcher } from "chokidar";
import type { SchedulerHook } from "../../../controllers/types.js";
import { resolveWorkspace } from "../../engine/runner/task-context.js";
import { writeStoredStatusFile } from "../../reconcile/status-files.js";
import { LeaseLostError } from "../../store/controller-store.js";
import type { Home } from "../../store/home.js";
import type { Store, StoredResource } from "../../store/store.js";
import type { TaskRecord, TaskStore } from "../../store/task-store.js";
import { finishCancellation } from "./cancel.js";
import { fireTrigger, pruneHistory, recordSkip, refreshStatus, type FireCause, type FireContext } from "./fire.js";
import { fileEventOf, matchEvent, taskEventOf, type TriggerEvent } from "./match.js";
import { isTaskOfTrigger } from "./policy.js";
import { delayUntil, dueTick, firstPlannedTick, nextFireTime } from "./schedule.js";
import { readTrigger, type FileChange, type TriggerDef } from "./spec.js";
import { readTriggerStatus, triggerStateVersion } from "./status.js";

export interface TriggerSchedulerOptions {
  home: Home;
  store: Store;
  tasks: TaskStore;
  log?: (line: string) => void;
  /** A task a firing created (queued unless `action.start: false`): wake the workers. */
  onTask?: (task: TaskRecord) => void;
  /** How often stored Triggers and new task events are looked at. Default 250 ms. */
  tickMs?: number;
}

export interface TriggerScheduler {
  /** For the reconcile pipeline's after-commit effects: a re-plan soon. */
  readonly hook: SchedulerHook;
  /** Stops timers and watchers and waits for work in flight. Idempotent. */
  stop(): Promise<void>;
}

/** Where the scheduler remembers how far it has read the events table. */
const CURSOR_META = "triggers.event_cursor";
const EVENT_PAGE = 500;
/** Task events that change what a trigger's status shows or its history holds. */
const TASK_STATE_EVENTS: ReadonlySet<string> = new Set(["task_created", "task_started", "task_paused", "task_resumed", "task_completed", "task_failed", "task_cancelled", "task_deleted"]);

interface Entry {
  def: TriggerDef;
  /** Cron: what the planned tick was computed from; a change re-plans. */
  cronSig?: string;
  nextAt: Date | null;
  fs?: FsWatch;
  /** Whether this scheduler has written the status file yet. */
  fileWritten?: boolean;
}

interface FsWatch {
  sig: string;
  watcher?: FSWatcher;
  pending?: TriggerEvent;
  debounce?: NodeJS.Timeout;
}

export function startTriggerScheduler(opts: TriggerSchedulerOptions): TriggerScheduler {
  return new Scheduler(opts);
}

class Scheduler implements TriggerScheduler {
  readonly hook: SchedulerHook;
  private readonly ctx: FireContext;
  private readonly log: (line: string) => void;
  private readonly entries = new Map<string, Entry>();
  private readonly timer: NodeJS.Timeout;
  private cronTimer: NodeJS.Timeout | undefined;
  private seenVersion = "";
  private cursor: number;
  private work: Promise<void> = Promise.resolve();
  private queued = false;
  private stopped = false;
  private readonly cancellations = new Set<Promise<void>>();
  private chokidar: Promise<typeof import("chokidar")> | undefined;
  /** Triggers whose spec could not be read, with the message already logged. */
  private readonly unreadable = new Map<string, string>();

  constructor(private readonly opts: TriggerSchedulerOptions) {
    this.ctx = { store: opts.store, tasks: opts.tasks, home: opts.home };
    this.log = opts.log ?? (() => undefined);
    this.cursor = this.initialCursor();
    this.hook = {
      reschedule: () => {
        // Level-triggered: whatever changed, the next step re-plans from the store.
        this.seenVersion = "";
        this.schedule();
      },
    };
    this.timer = setInterval(() => this.schedule(), opts.tickMs ?? 250);
    this.schedule();
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.timer);
    if (this.cronTimer) clearTimeout(this.cronTimer);
    await this.work;
    for (const e of this.entries.values()) await this.closeWatch(e);
    this.entries.clear();
    await Promise.all([...this.cancellations]);
  }

  /** One step of work after the current one; a step already waiting covers this request too. */
  private schedule(): void {
    if (this.stopped || this.queued) return;
    this.queued = true;
    this.enqueue(async () => {
      this.queued = false;
      await this.syncPlan();
      this.pollEvents();
    });
  }

  private enqueue(step: () => Promise<void> | void): void {
    this.work = this.work
      .then(async () => {
        if (!this.stopped) await step();
      })
      .catch((err: unknown) => this.log(`triggers: ${err instanceof LeaseLostError ? err.message : ((err as Error).stack ?? String(err))}`));
  }

  // ── The plan ──────────────────────────────────────────────────────────

  /** Re-plans when the stored resources changed since the last plan. */
  private async syncPlan(): Promise<void> {
    // Resources and run-time suspensions (`trigger suspend` writes only a status).
    const version = `${this.opts.store.resourcesVersion()}:${triggerStateVersion(this.opts.store)}`;
    if (version === this.seenVersion) return;
    this.seenVersion = version;
    const now = new Date();
    const live = new Set<string>();
    const stored = this.opts.store.listResources({ kind: "Trigger", allProjects: true });
    for (const r of stored) {
      const key = keyOf(r.metadata.project, r.metadata.name);
      let def: TriggerDef;
      try {
        def = readTrigger(r);
      } catch (err) {
        if (this.unreadable.get(key) !== (err as Error).message) this.log(`trigger/${r.metadata.name} (project ${r.metadata.project}) is not scheduled: ${(err as Error).message}`);
        this.unreadable.set(key, (err as Error).message);
        continue;
      }
      this.unreadable.delete(key);
      live.add(key);
      const entry = this.entries.get(key) ?? { def, nextAt: null };
      entry.def = def;
      this.entries.set(key, entry);
      this.planCron(entry, r, now);
      await this.planWatch(entry);
      pruneHistory(this.ctx, def);
      this.publish(entry);
    }
    for (const [key, e] of this.entries) {
      if (live.has(key)) continue;
      this.entries.delete(key);
      await this.closeWatch(e);
    }
    const present = new Set(stored.map((r) => keyOf(r.metadata.project, r.metadata.name)));
    for (const key of [...this.unreadable.keys()]) if (!present.has(key)) this.unreadable.delete(key);
    this.armCron();
  }

  /** A changed schedule, zone or suspension re-plans from now; an unchanged one keeps its tick. */
  private planCron(entry: Entry, r: StoredResource, now: Date): void {
    const source = entry.def.spec.source;
    if (source.kind !== "cron" || entry.def.spec.suspend) {
      delete entry.cronSig;
      entry.nextAt = null;
      return;
    }
    const sig = `${source.schedule}\u0000${source.timezone}`;
    if (entry.cronSig === sig) return;
    entry.cronSig = sig;
    const last = readTriggerStatus(r).lastScheduleTime;
    entry.nextAt = firstPlannedTick(source.schedule, source.timezone, now, last ? new Date(last) : null);
  }

  private armCron(): void {
    if (this.cronTimer) clearTimeout(this.cronTimer);
    this.cronTimer = undefined;
    if (this.stopped) return;
    let first: Date | null = null;
    for (const e of this.entries.values()) if (e.nextAt && (!first || e.nextAt < first)) first = e.nextAt;
    if (!first) return;
    this.cronTimer = setTimeout(() => this.enqueue(() => this.onCronTimer()), delayUntil(first, new Date()));
  }

  private async onCronTimer(): Promise<void> {
    await this.syncPlan();
    const now = new Date();
    for (const e of [...this.entries.values()]) {
      const source = e.def.spec.source;
      if (!e.nextAt || source.kind !== "cron") continue;
      const tick = dueTick(source.schedule, source.timezone, e.nextAt, now);
      if (!tick) continue;
      e.nextAt = nextFireTime(source.schedule, source.timezone, tick > now ? tick : now);
      this.fire(e, { kind: "cron", tick });
    }
    this.armCron();
  }

  // ── Firing ────────────────────────────────────────────────────────────

  private fire(e: Entry, cause: FireCause): void {
    const def = e.def;
    const what = `trigger/${def.name}${def.project === "default" ? "" : ` (project ${def.project})`}`;
    const outcome = fireTrigger(this.ctx, def, cause);
    if (outcome.fired) {
      this.log(`${what} fired: task ${outcome.task.id}${outcome.task.queued ? " queued" : " created (not started)"}${outcome.cancelled.length ? `; cancelled ${outcome.cancelled.map((t) => t.id).join(", ")}` : ""}`);
      for (const t of outcome.cancelled) this.track(finishCancellation(this.opts.store, this.opts.tasks, this.opts.home, t));
      if (outcome.task.queued) this.opts.onTask?.(outcome.task);
      pruneHistory(this.ctx, def);
    } else if (outcome.reason !== "already_handled" && outcome.reason !== "trigger_deleted") {
      this.log(`${what} skipped a firing: ${outcome.message}`);
    }
    this.publish(e);
  }

  private track(p: Promise<void>): void {
    const tracked = p.catch((err: unknown) => this.log(`triggers: stopping a replaced task: ${(err as Error).message}`)).finally(() => this.cancellations.delete(tracked));
    this.cancellations.add(tracked);
  }

  /** Stores the trigger's status (active tasks, next tick) and writes its status file when it changed. */
  private publish(e: Entry): void {
    const changed = refreshStatus(this.ctx, e.def, e.nextAt);
    if (!changed && e.fileWritten) return;
    // The same file a reconcile pass writes; both keep the scheduler's fields (status-files.ts).
    const r = this.opts.store.getResource({ project: e.def.project, kind: "Trigger", name: e.def.name });
    if (!r) return;
    writeStoredStatusFile(this.opts.home, r);
    e.fileWritten = true;
  }

  // ── Task events ───────────────────────────────────────────────────────

  private initialCursor(): number {
    const raw = this.opts.store.getMeta(CURSOR_META);
    const stored = Number(raw);
    if (raw !== undefined && Number.isSafeInteger(stored) && stored >= 0) return stored;
    // First start: events recorded before any scheduler ran fire nothing; later ones do, even across a restart.
    const latest = this.opts.store.listEvents({ limit: 1 })[0]?.id ?? 0;
    this.opts.store.setMeta(CURSOR_META, String(latest));
    return latest;
  }

  /**
   * Reads the events recorded since the cursor: task events fire matching
   * triggers; any change to a trigger's own tasks refreshes its status and
   * history. The cursor is stored after each page.
   */
  private pollEvents(): void {
    const touched = new Set<Entry>();
    for (;;) {
      const page = this.opts.store.listEvents({ sinceId: this.cursor, limit: EVENT_PAGE });
      for (const ev of page) {
        if (TASK_STATE_EVENTS.has(ev.type) && ev.project !== null) {
          const task = { origin: String(ev.data?.["origin"] ?? ""), project: ev.project, name: String(ev.data?.["task"] ?? "") };
          for (const e of this.entries.values()) if (isTaskOfTrigger(task, e.def)) touched.add(e);
        }
        const event = taskEventOf(ev);
        if (event) this.dispatch(event, ev.id);
        this.cursor = ev.id;
      }
      if (page.length > 0) this.opts.store.setMeta(CURSOR_META, String(this.cursor));
      if (page.length < EVENT_PAGE) break;
    }
    for (const e of touched) {
      if (this.entries.get(keyOf(e.def.project, e.def.name)) !== e) continue;
      pruneHistory(this.ctx, e.def);
      this.publish(e);
    }
  }

  /** Offers one event to every event trigger that is not suspended. */
  private dispatch(event: TriggerEvent, eventId?: number): void {
    for (const e of [...this.entries.values()]) {
      if (e.def.spec.suspend || e.def.spec.source.kind !== "task_event") continue;
      this.offer(e, event, eventId);
    }
  }

  private offer(e: Entry, event: TriggerEvent, eventId?: number): boolean {
    const m = matchEvent(e.def, event);
    if (m.match) {
      this.fire(e, eventId === undefined ? { kind: "event", event } : { kind: "event", event, eventId });
      return true;
    }
    if (m.error) {
      recordSkip(this.ctx, e.def, "condition_error", m.error, { source: event.source }, { eventId });
      this.log(`trigger/${e.def.name} skipped an event: ${m.error}`);
      this.publish(e);
    }
    return false;
  }

  // ── File changes ──────────────────────────────────────────────────────

  /** Watches a filesystem trigger's paths (in its workspace); a changed spec or workspace re-watches. */
  private async planWatch(e: Entry): Promise<void> {
    const source = e.def.spec.source;
    if (source.kind !== "filesystem" || e.def.spec.suspend) {
      await this.closeWatch(e);
      return;
    }
    let root: string;
    try {
      root = resolveWorkspace(this.opts.store, this.opts.home, e.def.project, e.def.spec.action.workspace).root;
    } catch (err) {
      const sig = `error:${(err as Error).message}`;
      if (e.fs?.sig !== sig) this.log(`trigger/${e.def.name} watches nothing: ${(err as Error).message}`);
      await this.closeWatch(e);
      e.fs = { sig };
      return;
    }
    const paths = this.watchablePaths(e.def, root, source.paths);
    const sig = JSON.stringify([root, paths, source.events, source.debounceMs, source.workflow ?? null, source.condition ?? null]);
    if (e.fs?.sig === sig) return;
    await this.closeWatch(e);
    const fs: FsWatch = { sig };
    e.fs = fs;
    if (paths.length === 0) return;
    this.chokidar ??= import("chokidar");
    const { watch } = await this.chokidar;
    if (this.stopped || e.fs !== fs) return;
    // Not recursive, as upstream: a directory's own entries, not its subdirectories'.
    const watcher = watch(paths, { ignoreInitial: true, depth: 0, ignored: (p: string) => hiddenName(p) });
    watcher.on("all", (name: string, path: string) => {
      const change = changeOf(name);
      if (change && source.events.includes(change)) this.changed(e, fs, fileEventOf(e.def.project, change, resolve(path), new Date().toISOString()));
    });
    watcher.on("error", (err) => this.log(`trigger/${e.def.name}: watching ${paths.join(", ")}: ${(err as Error).message}`));
    fs.watcher = watcher;
  }

  /** Paths inside the workspace root, never in `.git` or the state folder; others are logged and left out. */
  private watchablePaths(def: TriggerDef, root: string, paths: readonly string[]): string[] {
    const out: string[] = [];
    for (const p of paths) {
      const abs = resolve(root, p);
      const rel = relative(root, abs);
      if (rel.startsWith("..") || isAbsolute(rel)) {
        this.log(`trigger/${def.name}: path '${p}' is outside its workspace root ${root}; not watched`);
        continue;
      }
      const inState = !relative(this.opts.home.dir, abs).startsWith("..");
      if (inState || rel.split(sep).includes(".git")) {
        this.log(`trigger/${def.name}: path '${p}' is in .git or the state folder; not watched`);
        continue;
      }
      if (!existsSync(abs)) this.log(`trigger/${def.name}: path '${p}' does not exist yet; it is watched for its creation`);
      out.push(abs);
    }
    return out;
  }

  /** Changes within the debounce window fire once, with the latest change that matched. */
  private changed(e: Entry, fs: FsWatch, event: TriggerEvent): void {
    if (this.stopped || e.fs !== fs || e.def.spec.source.kind !== "filesystem") return;
    const debounceMs = e.def.spec.source.debounceMs;
    const m = matchEvent(e.def, event);
    if (!m.match) {
      if (m.error) this.enqueue(() => void this.offer(e, event));
      return;
    }
    fs.pending = event;
    if (fs.debounce) return;
    const flush = (): void => {
      fs.debounce = undefined;
      const pending = fs.pending;
      fs.pending = undefined;
      if (pending && e.fs === fs) this.enqueue(() => void this.fire(e, { kind: "event", event: pending }));
    };
    if (debounceMs === 0) flush();
    else fs.debounce = setTimeout(flush, debounceMs);
  }

  private async closeWatch(e: Entry): Promise<void> {
    const fs = e.fs;
    if (!fs) return;
    delete e.fs;
    if (fs.debounce) clearTimeout(fs.debounce);
    await fs.watcher?.close();
  }
}

const keyOf = (project: string, name: string): string => `${project}\u0000${name}`;

function changeOf(chokidarEvent: string): FileChange | undefined {
  switch (chokidarEvent) {
    case "add":
    case "addDir":
      return "create";
    case "change":
      return "modify";
    case "unlink":
    case "unlinkDir":
      return "delete";
    default:
      return undefined;
  }
}

/** Editor temp and dot files never fire a trigger (as upstream skips them). */
function hiddenName(path: string): boolean {
  const slash = path.lastIndexOf("/");
  return path.slice(slash + 1).startsWith(".");
}

