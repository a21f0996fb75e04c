/**
 * @module The controller process: one per store (a lock file says which),
 * it recovers what a dead controller left, follows every source (directories
 * on change, git remotes at their interval, any source on `reconcile`), fires
 * Triggers (cron, task events, file changes), and runs queued tasks with a
 * pool of N workers until SIGTERM/SIGINT, when it
 * stops reconciling and claiming, gives running steps a moment, then stops
 * them and queues their tasks again. Committed Tasks and Runs are picked up
 * level-triggered: whenever the stored resources change, whoever changed
 * them, every generation that has not run is queued.
 */
import { spawn } from "node:child_process";
import { hostname } from "node:os";
import { randomBytes } from "node:crypto";
import { enqueueUnobserved } from "../../controllers/declarative.js";
import type { ReconcileLogEntry } from "../reconcile/log.js";
import { startSourceReconciler } from "../reconcile/reconciler.js";
import type { WebView, WebViewSettings } from "../http/web-view.js";
import type { Home } from "../store/home.js";
import { openStore } from "../store/open.js";
import type { Store } from "../store/store.js";
import { openTaskStore, type TaskRecord } from "../store/task-store.js";
import { warmUpProcessHost } from "../engine/process/process-host.js";
import { runTask } from "../engine/runner/task-runner.js";
import type { RestartRequest } from "../engine/runner/self-restart.js";
import { declarativeEngineHook } from "./engine-hook.js";
import { acquireControllerLock } from "./lock.js";
import { controllerStoreOf, LeaseLostError } from "../store/controller-store.js";
import { startControllerLease } from "./lease.js";
import { shipLogsIfShared, taskLogCopy } from "./log-shipper.js";
import { recoverOrphans, recoverReaped } from "./recovery.js";
import { installShutdownSignals } from "./signals.js";
import { startTriggerScheduler } from "./triggers/scheduler.js";
import { startCronPlugins } from "./crd-cron.js";
import { removeWebAddress, writeWebAddress } from "./web-address.js";
import { startWorkerPool } from "./worker-pool.js";
import { createHttpApp } from "../http/app.js";
import { formatBind, isLoopback, type BindAddress } from "../http/bind.js";
import { HttpListenError, startHttpServer, unsignedWebhookTriggers, type HttpServer } from "../http/server.js";

export interface ControllerOptions {
  home: Home;
  workers: number;
  /** Idle poll interval for new work. */
  pollMs?: number;
  /** How long running steps get to finish when stopping. */
  graceMs?: number;
  /** How often sources, reconcile requests and stored Tasks/Runs are looked at. Default 250 ms. */
  tickMs?: number;
  log: (line: string) => void;
  /** The web view to serve beside the controller; none when undefined or bound to `none`. */
  ui?: ControllerWebView;
  /**
   * The HTTP listener (webhooks, source push notifications); null: none.
   * `explicit`: given by the user, so an address that cannot be listened on
   * stops the controller; the default address in use only logs a warning.
   */
  http?: { bind: BindAddress | null; explicit: boolean };
}

export interface ControllerWebView extends WebViewSettings {
  /**
   * Given by the user (a flag or the environment): failing to listen stops
   * the controller. The default address only gets a log line when taken.
   */
  explicit: boolean;
}

export class ControllerBusyError extends Error {
  override name = "ControllerBusyError";
}

/** The controller cannot start as asked (an unsafe or unusable listener); nothing was started. */
export class ControllerRefusedError extends Error {
  override name = "ControllerRefusedError";
}

/** Where the running controller's listener is, for `controller status` (meta, with its pid). */
/**
 * The store meta key holding where a home's controller listens: one per host
 * and home, since several controllers share a PostgreSQL store's meta.
 */
export function httpMetaKey(homeDir: string, host: string = hostname()): string {
  return `controller.http:${host}:${homeDir}`;
}

/** Runs until a shutdown signal; resolves with the exit code. */
export async function runController(opts: ControllerOptions): Promise<number> {
  const lock = acquireControllerLock(opts.home.dir);
  if (!lock.acquired) throw new ControllerBusyError(`a controller already runs for this store (pid ${lock.heldBy} on ${lock.info.hostname}, since ${lock.info.startedAt})`);
  const store = openStore(opts.home);
  const tasks = openTaskStore(store);
  const bind = opts.http?.bind ?? null;
  if (bind) {
    const unsigned = unsignedWebhookTriggers(store, bind);
    if (unsigned.length) {
      store.close();
      lock.release();
      throw new ControllerRefusedError(
        `refusing to listen on ${formatBind(bind)}, which other hosts can reach, while webhook triggers have no webhook.secret: ${unsigned.join(", ")}; ` +
          "give each a webhook.secret.fromRef, or listen on loopback (--webhook-bind 127.0.0.1:19090) or not at all (--webhook-bind none)",
      );
    }
  }
  const workerPrefix = `${hostname()}:${process.pid}:${randomBytes(3).toString("hex")}`;
  const log = (line: string): void => opts.log(`${new Date().toISOString()} ${line}`);
  log(`controller started (pid ${process.pid}, ${opts.workers} worker(s), store ${store.path})`);
  // Signals are handled from here on, not once starting is over: workers may run steps before the
  // listeners are up, and a SIGTERM's default action would kill the process and leave their tasks Running.
  let resolveDone!: () => void;
  const stopped = new Promise<void>((r) => (resolveDone = r));
  let signalled: NodeJS.Signals | undefined;
  let stopOnSignal: ((sig: NodeJS.Signals) => Promise<void>) | undefined;
  const signals = installShutdownSignals({
    log,
    onShutdown: (sig) => {
      signalled = sig;
      // Received while starting: no more claims; the stop runs as soon as it is defined below.
      return stopOnSignal ? stopOnSignal(sig) : stopped;
    },
  });
  let web: WebView | undefined;
  if (opts.ui) {
    try {
      web = await serveWebView(opts.ui, store, opts.home, log);
      if (web) writeWebAddress(opts.home.dir, `${web.url}/`);
    } catch (err) {
      signals.uninstall();
      store.close();
      lock.release();
      throw err;
    }
  }

  // The lease: renewed while this controller works; a dead controller's lease is reaped by one survivor, which recovers its tasks.
  const registry = controllerStoreOf(store);
  let shutdown: ((why: string) => void) | undefined;
  let wakePool = (): void => undefined;
  const lease = startControllerLease({
    store,
    id: workerPrefix,
    workers: opts.workers,
    log,
    onReaped: async (reaped) => {
      for (const c of reaped) log(`controller ${c.id} (pid ${c.pid} on ${c.host}) is gone: taking over its ${c.tasks} task(s)`);
      for (const r of await recoverReaped(store, tasks, reaped.map((c) => c.id), "controller")) {
        log(`recovered task ${r.task.id}: ${r.interruptedRuns} interrupted run(s), queued again`);
      }
      wakePool();
    },
    onLost: (why) => {
      log(`error: this controller stops: ${why}`);
      shutdown?.("lease lost");
    },
  });
  const liveElsewhere = (claimedBy: string): boolean => {
    // On a shared store, a claim by another host is its controller's until its lease is reaped.
    if (registry.shared && claimedBy.split(":")[0] !== hostname()) return true;
    return registry.listControllers().some((c) => claimedBy.startsWith(`${c.id}:`) && c.id !== workerPrefix);
  };
  for (const r of await recoverOrphans(store, tasks, workerPrefix, "controller", liveElsewhere)) {
    log(`recovered task ${r.task.id}: ${r.interruptedRuns} interrupted run(s), queued again`);
  }
  // On a shared store, step logs are copied into it as they grow: any host can read and follow them.
  const shipper = shipLogsIfShared(store, tasks, `${workerPrefix}:`, log);

  warmUpProcessHost();
  let n = 0;
  /** Set by a self_restart: no more claims; the controller hands over to one running `entry`. */
  let restart: RestartRequest | undefined;
  /** Starts the stop; set once the stop is defined below (a restart asked before then is seen there). */
  let requestStop: ((why: string) => void) | undefined;
  const onSelfRestart = (req: RestartRequest): void => {
    if (restart) return;
    restart = req;
    log(`self_restart of task ${req.taskId}: restarting onto ${req.entry}`);
    requestStop?.("self_restart");
  };
  const pool = startWorkerPool<TaskRecord>({
    workers: opts.workers,
    pollMs: opts.pollMs ?? 50,
    claim: async () => (restart || signalled ? undefined : tasks.claimNextTask(`${workerPrefix}:w${n++ % opts.workers}`)),
    run: async (task, signal) => {
      log(`task ${task.id} (${task.name}) claimed`);
      const copy = taskLogCopy(shipper);
      try {
        // A shared store gets the rest of the task's logs before its outcome: `task logs -f` on another host stops at the outcome.
        const done = await runTask(task, { store, tasks, home: opts.home, signal, log, onSelfRestart, ...copy.hook });
        log(`task ${done.id} ${done.phase.toLowerCase()}${done.message ? `: ${done.message}` : ""}`);
      } finally {
        copy.finish(task.id);
      }
    },
    // A write refused because another controller took this one's lease over is expected on the way out: no stack.
    onError: (err) => log(`worker error: ${err instanceof LeaseLostError ? err.message : ((err as Error).stack ?? String(err))}`),
  });
  wakePool = () => pool.wake();
  const engine = declarativeEngineHook({ store, tasks, home: opts.home, log, onTask: () => pool.wake() });
  const triggers = startTriggerScheduler({ home: opts.home, store, tasks, log, onTask: () => pool.wake(), ...(opts.tickMs !== undefined ? { tickMs: opts.tickMs } : {}) });
  const cronPlugins = startCronPlugins({ home: opts.home, store, log, ...(opts.tickMs !== undefined ? { tickMs: opts.tickMs } : {}) });

  // Level-triggered: every committed Task/Run generation without an execution gets one,
  // whoever committed it (a source pass here, `apply` or `sync` in another process).
  let seenVersion = -1;
  let scanning = false;
  const scanDeclarative = async (): Promise<void> => {
    if (scanning) return;
    scanning = true;
    try {
      const version = store.resourcesVersion();
      if (version === seenVersion) return;
      seenVersion = version;
      await enqueueUnobserved(store, engine);
    } catch (err) {
      log(`queueing committed tasks and runs: ${(err as Error).message}`);
    } finally {
      scanning = false;
    }
  };
  await scanDeclarative();
  const scanTimer = setInterval(() => void scanDeclarative(), opts.tickMs ?? 250);

  const reconciler = startSourceReconciler({
    home: opts.home,
    store,
    // One controller passes over each source: the one that holds its leadership.
    leads: (source) => registry.holdLeadership(`source:${source}`, workerPrefix),
    hooks: { engine, scheduler: triggers.hook },
    log: (entry) => log(formatReconcileEntry(entry)),
    ...(opts.tickMs !== undefined ? { tickMs: opts.tickMs } : {}),
  });

  let http: HttpServer | undefined;
  if (bind) {
    const app = createHttpApp({
      store,
      tasks,
      home: opts.home,
      loopback: isLoopback(bind.host),
      log,
      onTask: () => pool.wake(),
      reconcileSource: (name) => void reconciler.reconcileNow(name).catch((err: unknown) => log(`http: source ${name}: ${(err as Error).message}`)),
    });
    try {
      http = await startHttpServer(app, bind, { inUseHint: " (another controller?)" });
      store.setMeta(httpMetaKey(opts.home.dir), JSON.stringify({ url: http.url, pid: process.pid }));
      log(`listening on ${http.url} (webhooks: ${http.url}/webhooks/TRIGGER, push notifications: ${http.url}/hooks/sources/SOURCE)`);
    } catch (err) {
      if (!(err instanceof HttpListenError) || opts.http?.explicit) {
        clearInterval(scanTimer);
        if (web) {
          removeWebAddress(opts.home.dir);
          await web.close();
        }
        await reconciler.stop();
        await triggers.stop();
        await cronPlugins.stop();
        await pool.stop(0);
        signals.uninstall();
        store.close();
        lock.release();
        throw err instanceof HttpListenError ? new ControllerRefusedError(`${err.message}; choose another with --webhook-bind HOST:PORT, or none`) : err;
      }
      log(`warning: ${err.message}; webhooks and push notifications are not served (choose an address with --webhook-bind HOST:PORT, or none)`);
    }
  }

  let exitCode = 0;
  let stopping: Promise<void> | undefined;
  /** Stops everything once; after a self_restart, starts the controller that takes over. */
  const stop = (why: string, code: number): Promise<void> =>
    (stopping ??= (async () => {
      exitCode = code;
      log(why === "self_restart" ? "stopping for self_restart" : `${why}; stopping`);
      clearInterval(scanTimer);
      // Each part stops even when one before it fails: after a lost lease every write is refused, and stopping must still end.
      const step = async (what: string, fn: () => unknown): Promise<void> => {
        try {
          await fn();
        } catch (err) {
          log(`stopping ${what}: ${err instanceof LeaseLostError ? err.message : ((err as Error).stack ?? String(err))}`);
        }
      };
      if (web) {
        const w = web;
        removeWebAddress(opts.home.dir);
        await step("the web view", () => w.close());
      }
      if (http) {
        const h = http;
        await step("the webhook listener", () => h.close());
        await step("the listener address", () => store.setMeta(httpMetaKey(opts.home.dir), ""));
      }
      await step("the source reconciler", () => reconciler.stop());
      await step("the trigger scheduler", () => triggers.stop());
      await step("the cron plugins", () => cronPlugins.stop());
      await step("the workers", () => pool.stop(code === 0 ? (opts.graceMs ?? 2000) : 0));
      if (code === 0) await step("the log copier", () => shipper?.stop());
      await step("the lease", () => lease.release());
      await step("the store", () => store.close());
      lock.release();
      if (restart) {
        const pid = startReplacement(opts, restart.entry);
        log(`controller stopped; the controller on ${restart.entry} takes over (pid ${pid ?? "?"})`);
      } else log("controller stopped");
      resolveDone();
    })());
  requestStop = (why) => void stop(why, 0);
  if (restart) requestStop("self_restart");
  shutdown = (why) => void stop(why, 3);
  stopOnSignal = (sig) => stop(`${sig} received`, 0);
  if (signalled) void stopOnSignal(signalled);
  await stopped;
  signals.uninstall();
  return exitCode;
}

/**
 * The controller after a self_restart: `entry controller --foreground` with
 * the same workers, on the same store, writing where this one writes
 * (its log file or terminal). It outlives this process.
 */
function startReplacement(opts: ControllerOptions, entry: string): number | undefined {
  const child = spawn(process.execPath, [entry, "controller", "--foreground", "--workers", String(opts.workers), ...webViewArgs(opts.ui), ...(opts.http?.explicit ? ["--webhook-bind", opts.http.bind ? formatBind(opts.http.bind) : "none"] : [])], {
    cwd: opts.home.root,
    detached: true,
    stdio: ["ignore", "inherit", "inherit"],
    env: { ...process.env, ORCHESTRATOR_HOME: opts.home.dir },
  });
  child.unref();
  return child.pid;
}

/**
 * The web view settings a replacement controller is given: the address
 * chosen for this one (its own default otherwise), the same token file,
 * and none when this one served none.
 */
function webViewArgs(ui: ControllerWebView | undefined): string[] {
  if (!ui) return ["--ui-bind", "none"];
  return [...(ui.explicit ? ["--ui-bind", ui.bind] : []), ...(ui.tokenFile !== undefined ? ["--ui-token-file", ui.tokenFile] : [])];
}

export class WebViewListenError extends Error {
  override name = "WebViewListenError";
}

/**
 * Serves the web view on the controller's store. An address the user chose
 * that cannot be listened on stops the controller; the default address
 * taken by something else (another store's controller) is only logged.
 */
async function serveWebView(ui: ControllerWebView, store: Store, home: Home, log: (line: string) => void): Promise<WebView | undefined> {
  const { startWebView } = await import("../http/web-view.js");
  try {
    const web = await startWebView({ ...ui, store, home, actor: "web", log });
    if (web) log(`web view at ${web.url}/${web.tokenRequired ? " (token required)" : ""}`);
    return web;
  } catch (err) {
    if (!(err instanceof HttpListenError)) throw err;
    if (ui.explicit) throw new WebViewListenError(`${err.message}; choose another address with ${ui.bindFlag} HOST:PORT, or ${ui.bindFlag} none`);
    log(`web view not served: ${err.message}; start the controller with ${ui.bindFlag} HOST:PORT to serve it elsewhere, or ${ui.bindFlag} none`);
    return undefined;
  }
}

function formatReconcileEntry(e: ReconcileLogEntry): string {
  return `${e.level === "info" ? "" : `${e.level}: `}${e.source ? `source ${e.source}: ` : ""}${e.message}`;
}
