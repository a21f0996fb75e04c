/**
 * @module `orchestrator watch`: reconcile a directory source on every save
 * (chokidar, debounced). Each pass is a full, level-triggered pass over the
 * directory, made fast by the parse cache: unchanged files are neither
 * parsed nor validated again. A broken edit applies nothing and the last
 * good state stays; the fix is applied on the next save.
 */
import { relative } from "node:path";
import type { FSWatcher } from "chokidar";
import type { ControllerHooks } from "../../controllers/types.js";
import type { Home } from "../store/home.js";
import { sourceStoreOf, type SourceRecord } from "../store/source-store.js";
import type { Store } from "../store/store.js";
import { DesiredSetCache } from "./desired-cache.js";
import { reconcileSource, type SourcePass } from "./source-pass.js";
import { isDirectory, isHiddenPath, sourceDirectory } from "./sources/dir-source.js";

export interface WatchOptions {
  home: Home;
  store: Store;
  /** A directory source. */
  source: SourceRecord;
  hooks?: ControllerHooks;
  /** Quiet time after the last change before a pass. Default 50 ms. */
  debounceMs?: number;
  /** Called after every pass (the first one runs at once). */
  onPass(pass: SourcePass): void;
  /** Called when the directory is missing (once) and when it is watched. */
  onNotice?(message: string): void;
  /** Watching ends when this aborts. */
  signal: AbortSignal;
}

export async function runWatch(opts: WatchOptions): Promise<void> {
  const dir = sourceDirectory(opts.home, opts.source);
  const cache = new DesiredSetCache();
  let running: Promise<void> = Promise.resolve();
  let queued = false;
  let timer: NodeJS.Timeout | undefined;
  let watcher: FSWatcher | undefined;

  const pass = (): Promise<void> => {
    if (queued) return running;
    queued = true;
    running = running.then(async () => {
      queued = false;
      if (opts.signal.aborted) return;
      // Level-triggered: read the source's current record (status, settings) for every pass.
      const source = sourceStoreOf(opts.store).getSource(opts.source.name) ?? opts.source;
      const ctx = { home: opts.home, store: opts.store, cache, ...(opts.hooks ? { hooks: opts.hooks } : {}) };
      opts.onPass(await reconcileSource(ctx, source));
    });
    return running;
  };
  const changed = (): void => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      void pass();
    }, opts.debounceMs ?? 50);
  };

  const { watch } = await import("chokidar");
  /** Resolves once the watcher has scanned the directory: a save after that is never missed. */
  const startWatching = async (): Promise<boolean> => {
    if (watcher || !isDirectory(dir)) return false;
    const w = watch(dir, { ignoreInitial: true, ignored: (p: string) => isHiddenPath(dir, p) });
    watcher = w;
    w.on("all", changed);
    // A path the watcher cannot follow (a symbolic link loop, a dangling link) is reported by the pass that reads it;
    // it must not end the watch. Anything else is told once, and the watch goes on.
    w.on("error", (err) => {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== "ELOOP" && code !== "ENOENT") opts.onNotice?.(`watching ${dir}: ${(err as Error).message}`);
    });
    await new Promise<void>((resolve) => w.once("ready", () => resolve()));
    opts.onNotice?.(`watching ${relative(process.cwd(), dir) || "."} (source ${opts.source.name}); Ctrl-C to stop`);
    return true;
  };

  if (!(await startWatching())) opts.onNotice?.(`directory ${relative(process.cwd(), dir) || dir} does not exist yet; waiting for it`);
  await pass();
  // A directory created later is picked up.
  const poll = setInterval(() => {
    void startWatching().then((started) => started && changed());
  }, 500);

  await new Promise<void>((resolve) => {
    if (opts.signal.aborted) resolve();
    else opts.signal.addEventListener("abort", () => resolve(), { once: true });
  });
  clearInterval(poll);
  if (timer) clearTimeout(timer);
  await watcher?.close();
  await running;
}
