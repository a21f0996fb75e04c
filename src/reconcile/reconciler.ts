/**
 * @module The long-running source reconciler the controller process runs:
 * every source is passed over at its interval, directories also on change
 * (chokidar, debounced), git remotes with backoff after a failed fetch, and
 * any source on a `reconcile` request. Passes of one source never overlap;
 * a change during a pass queues one more.
 */
import type { FSWatcher } from "chokidar";
import type { ControllerHooks } from "../../controllers/types.js";
import type { JsonValue } from "../resources/types.js";
import type { Home } from "../store/home.js";
import { openStore } from "../store/open.js";
import { isSuspended, sourceStoreOf, type ReconcileRequest, type SourceRecord, type SourceStore } from "../store/source-store.js";
import type { Store } from "../store/store.js";
import { Reason } from "./conditions.js";
import { DesiredSetCache } from "./desired-cache.js";
import { silentLog, type ReconcileLog, type ReconcileLogEntry } from "./log.js";
import type { PassResult } from "./pass-result.js";
import { UnknownSourceError } from "./reconcile-sources.js";
import { reconcileSource } from "./source-pass.js";
import { isDirectory, isHiddenPath, sourceDirectory } from "./sources/dir-source.js";
import { MIN_INTERVAL_MS } from "./sources/spec.js";

export interface SourceReconcilerOptions {
  home: Home;
  /** Opened (and closed on stop) from `home` when absent. */
  store?: Store;
  log?: ReconcileLog;
  hooks?: ControllerHooks;
  /** How often the source list, due passes and reconcile requests are checked. Default 250 ms. */
  tickMs?: number;
  /** Quiet time after a file change before a directory is passed over. Default 100 ms. */
  debounceMs?: number;
  /** First retry delay after a failed fetch; it doubles up to the source's interval. Default 1000 ms. */
  backoffInitialMs?: number;
  /** Watch directory sources for changes. Default true. */
  watchDirectories?: boolean;
  /**
   * Whether this process passes over a source on its own schedule now (its
   * leadership, when several controllers share the store). Default: always.
   */
  leads?: (source: string) => boolean;
}

export interface SourceReconciler {
  /** One pass now over one source (or every source); resolves with the results in name order. */
  reconcileNow(source?: string): Promise<PassResult[]>;
  /** Stops timers and watchers and waits for running passes. */
  stop(): Promise<void>;
}

/** Failures that waiting can fix: retried with backoff rather than at the interval. */
const TRANSIENT: ReadonlySet<string> = new Set([Reason.FetchFailed, Reason.ApplyFailed, Reason.AfterCommitFailed, Reason.HookFailed]);

interface Tracked {
  source: SourceRecord;
  cache: DesiredSetCache;
  nextAt: number;
  failures: number;
  /** A pass queued but not started: further triggers join it. */
  queued: Promise<PassResult> | undefined;
  /** Settles when the last queued pass has finished. */
  tail: Promise<unknown>;
  watcher: FSWatcher | undefined;
  watchedDir: string | undefined;
  debounce: NodeJS.Timeout | undefined;
}

export function startSourceReconciler(opts: SourceReconcilerOptions): SourceReconciler {
  return new Reconciler(opts);
}

class Reconciler implements SourceReconciler {
  private readonly store: Store;
  private readonly ownsStore: boolean;
  private readonly sources: SourceStore;
  private readonly log: ReconcileLog;
  private readonly tracked = new Map<string, Tracked>();
  /** The last outcome logged per source: a pass that changed nothing and ends the same is not logged again. */
  private readonly lastLogged = new Map<string, string>();
  private readonly timer: NodeJS.Timeout;
  private ticking = false;
  private stopped = false;
  private chokidar: Promise<typeof import("chokidar")> | undefined;

  constructor(private readonly opts: SourceReconcilerOptions) {
    this.log = opts.log ?? silentLog;
    if (opts.store) {
      this.store = opts.store;
      this.ownsStore = false;
    } else {
      this.store = openStore(opts.home);
      this.ownsStore = true;
    }
    this.sources = sourceStoreOf(this.store);
    this.timer = setInterval(() => void this.tick(), opts.tickMs ?? 250);
    void this.tick();
  }

  async reconcileNow(name?: string): Promise<PassResult[]> {
    this.refreshSources();
    const names = name === undefined ? [...this.tracked.keys()].sort() : [name];
    const missing = names.filter((n) => !this.tracked.has(n));
    if (missing.length) throw new UnknownSourceError(missing, [...this.tracked.keys()].sort());
    return Promise.all(names.map((n) => this.enqueue(this.tracked.get(n)!)));
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.timer);
    for (const t of this.tracked.values()) {
      if (t.debounce) clearTimeout(t.debounce);
      await t.watcher?.close();
    }
    await Promise.all([...this.tracked.values()].map((t) => t.tail));
    if (this.ownsStore) this.store.close();
  }

  /** One round: follow added and removed sources, start due passes, answer requests. */
  private async tick(): Promise<void> {
    if (this.ticking || this.stopped) return;
    this.ticking = true;
    try {
      this.refreshSources();
      const now = Date.now();
      for (const t of this.tracked.values()) {
        if (!this.leads(t.source.name)) continue;
        // A suspended source waits; once resumed it is due at once.
        if (isSuspended(t.source)) continue;
        if (now >= t.nextAt && !t.queued) void this.enqueue(t);
        if (this.opts.watchDirectories !== false) await this.followDirectory(t);
      }
      await this.answerRequests();
    } catch (err) {
      this.log({ level: "error", message: `reconciler: ${(err as Error).message}` });
    } finally {
      this.ticking = false;
    }
  }

  private refreshSources(): void {
    const current = new Map(this.sources.listSources().map((s) => [s.name, s]));
    for (const [name, t] of this.tracked) {
      if (current.has(name)) continue;
      if (t.debounce) clearTimeout(t.debounce);
      void t.watcher?.close();
      this.tracked.delete(name);
    }
    for (const [name, source] of current) {
      const t = this.tracked.get(name);
      if (t) {
        // Resumed: due at once, as flux reconciles a resumed object.
        if (isSuspended(t.source) && !isSuspended(source)) t.nextAt = 0;
        t.source = source;
      }
      else {
        this.tracked.set(name, {
          source,
          // Validation runs on a worker thread: this event loop also runs steps.
          cache: new DesiredSetCache({ offThread: true }),
          nextAt: 0,
          failures: 0,
          queued: undefined,
          tail: Promise.resolve(),
          watcher: undefined,
          watchedDir: undefined,
          debounce: undefined,
        });
      }
    }
  }

  /** Passes of one source run one after another; a trigger while one waits to start joins it. */
  private enqueue(t: Tracked): Promise<PassResult> {
    if (t.queued) return t.queued;
    const next = t.tail.then(() => {
      t.queued = undefined;
      // Not due again until this pass schedules the next one: a slow pass is not doubled by the ticks meanwhile.
      t.nextAt = Number.POSITIVE_INFINITY;
      return this.pass(t);
    });
    t.queued = next;
    t.tail = next.catch(() => undefined);
    return next;
  }

  private leads(source: string): boolean {
    try {
      return this.opts.leads?.(source) ?? true;
    } catch (err) {
      this.log({ level: "error", source, message: `cannot take the source's leadership: ${(err as Error).message}` });
      return false;
    }
  }

  private async pass(t: Tracked): Promise<PassResult> {
    const source = this.sources.getSource(t.source.name) ?? t.source;
    let result: PassResult;
    try {
      const pass = await reconcileSource(
        { home: this.opts.home, store: this.store, cache: t.cache, log: (e) => this.logPass(e), fetch: { retries: 0 }, ...(this.opts.hooks ? { hooks: this.opts.hooks } : {}) },
        source,
      );
      result = pass.result;
    } catch (err) {
      // A bug or an environment failure: report it as a failed pass and keep going.
      const message = (err as Error).message;
      this.log({ level: "error", source: source.name, message: `pass failed: ${message}` });
      result = { source: source.name, revision: null, ready: false, reason: Reason.ApplyFailed, message, upToDate: false, dryRun: false, changes: [], counts: { created: 0, configured: 0, unchanged: 0, pruned: 0, drifted: 0 }, diagnostics: [], durationMs: 0 };
    }
    this.scheduleNext(t, source, result);
    return result;
  }

  private logPass(e: ReconcileLogEntry): void {
    const key = e.source ?? "";
    const outcome = `${e.level} ${typeof e.data?.["outcome"] === "string" ? e.data["outcome"] : e.message}`;
    if (e.data?.["changes"] === 0 && this.lastLogged.get(key) === outcome) return;
    this.lastLogged.set(key, outcome);
    this.log(e);
  }

  private scheduleNext(t: Tracked, source: SourceRecord, result: PassResult): void {
    const interval = Math.max(MIN_INTERVAL_MS, source.intervalMs);
    if (result.ready || !TRANSIENT.has(result.reason)) {
      t.failures = 0;
      t.nextAt = Date.now() + interval;
      return;
    }
    t.failures++;
    const base = (this.opts.backoffInitialMs ?? 1000) * 2 ** Math.min(t.failures - 1, 20);
    const jitter = 0.8 + Math.random() * 0.4;
    t.nextAt = Date.now() + Math.min(interval, base * jitter);
  }

  /** Directory sources are watched once their directory exists; any change there triggers a pass (debounced). */
  private async followDirectory(t: Tracked): Promise<void> {
    const s = t.source;
    const dir = s.type === "dir" ? sourceDirectory(this.opts.home, s) : undefined;
    if (t.watchedDir === dir && (t.watcher || !dir)) return;
    if (t.watcher && t.watchedDir !== dir) {
      await t.watcher.close();
      t.watcher = undefined;
      t.watchedDir = undefined;
    }
    if (!dir || !isDirectory(dir)) return;
    this.chokidar ??= import("chokidar");
    const { watch } = await this.chokidar;
    if (this.stopped || !this.tracked.has(s.name)) return;
    const watcher = watch(dir, { ignoreInitial: true, ignored: (p: string) => isHiddenPath(dir, p) });
    watcher.on("all", () => this.changed(t));
    watcher.on("error", (err) => this.log({ level: "warn", source: s.name, message: `watching ${dir}: ${(err as Error).message}` }));
    t.watcher = watcher;
    t.watchedDir = dir;
    // The directory may have appeared just now, and a save before the watcher is ready is not
    // reported: pass over it now, and once more when the watcher is ready.
    this.changed(t);
    watcher.once("ready", () => this.changed(t));
  }

  private changed(t: Tracked): void {
    if (t.debounce) clearTimeout(t.debounce);
    t.debounce = setTimeout(() => {
      t.debounce = undefined;
      if (!this.stopped && this.tracked.get(t.source.name) === t && !isSuspended(t.source)) void this.enqueue(t);
    }, this.opts.debounceMs ?? 100);
  }

  private async answerRequests(): Promise<void> {
    const requests = this.sources.claimReconcileRequests();
    for (const r of requests) void this.answer(r);
  }

  private async answer(r: ReconcileRequest): Promise<void> {
    try {
      const results = await this.reconcileNow(r.source ?? undefined);
      this.sources.finishReconcileRequest(r.id, { results: results as unknown as JsonValue[] });
    } catch (err) {
      this.sources.finishReconcileRequest(r.id, { error: (err as Error).message });
    }
  }
}
