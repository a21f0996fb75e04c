/**
 * @module `orchestrator controller` (foreground or background),
 * `controller status` and `controller stop`.
 */
import { resolve } from "node:path";
import type { WebViewSettings } from "../../http/web-view.js";
import { ControllerBusyError, ControllerRefusedError, httpMetaKey, runController, WebViewListenError, type ControllerWebView } from "../../runtime/controller.js";
import { BindError, DEFAULT_UI_BIND, DEFAULT_WEBHOOK_BIND, parseBindAddress, WEBHOOK_BIND_ENV, type BindAddress } from "../../http/bind.js";
import { CONTROLLER_LOG, startControllerDaemon } from "../../runtime/daemon.js";
import { readControllerLock } from "../../runtime/lock.js";
import { readWebAddress } from "../../runtime/web-address.js";
import type { Home } from "../../store/home.js";
import { openStore } from "../../store/open.js";
import type { Store } from "../../store/store.js";
import { openTaskStore } from "../../store/task-store.js";
import { controllerStoreOf, type ControllerRecord } from "../../store/controller-store.js";
import { requireHome } from "../context.js";
import { formatDuration } from "../../resources/duration.js";
import { durationFlag } from "../duration-flag.js";
import { CliError, UsageError } from "../errors.js";
import type { OutputFormat } from "../output/format.js";
import { writeOut } from "../output/io.js";
import { printObject } from "../output/printer.js";
import { renderTable } from "../output/table.js";

export interface ControllerCommandOptions {
  workers: string;
  foreground?: boolean;
  uiBind?: string;
  uiTokenFile?: string;
  webhookBind?: string;
}

/** `--ui-bind` and `--ui-token-file`, else ORCHESTRATOR_UI_BIND and ORCHESTRATOR_UI_TOKEN_FILE, else the default (loopback, no token). */
export function webViewFlags(opts: Pick<ControllerCommandOptions, "uiBind" | "uiTokenFile">, env: NodeJS.ProcessEnv = process.env): ControllerWebView {
  const bind = opts.uiBind ?? (env["ORCHESTRATOR_UI_BIND"] || undefined);
  const tokenFile = opts.uiTokenFile ?? (env["ORCHESTRATOR_UI_TOKEN_FILE"] || undefined);
  return {
    bind: bind ?? DEFAULT_UI_BIND,
    // Relative to where the command was given: a background controller runs elsewhere.
    ...(tokenFile !== undefined ? { tokenFile: resolve(tokenFile) } : {}),
    bindFlag: "--ui-bind",
    tokenFlag: "--ui-token-file",
    explicit: bind !== undefined,
  };
}

export async function controllerCommand(opts: ControllerCommandOptions): Promise<void> {
  const workers = Number(opts.workers);
  if (!Number.isInteger(workers) || workers < 1) throw new UsageError(`--workers must be a positive integer, got '${opts.workers}'`);
  const ui = webViewFlags(opts);
  await checkWebView(ui);
  const http = httpOption(opts.webhookBind);
  const home = requireHome();
  if (!opts.foreground) {
    const lock = readControllerLock(home.dir);
    if (lock?.alive) {
      writeOut(`controller already running (pid ${lock.pid})\n`);
      return;
    }
    const pid = await startControllerDaemon(home, { workers, ...(ui.explicit ? { uiBind: ui.bind } : {}), ...(ui.tokenFile !== undefined ? { uiTokenFile: ui.tokenFile } : {}), ...(opts.webhookBind !== undefined ? { webhookBind: opts.webhookBind } : {}) });
    writeOut(`controller started in the background (pid ${pid}); logs: .orchestrator/${CONTROLLER_LOG}\n`);
    return;
  }
  const log = batchedLines((text) => process.stdout.write(text));
  try {
    process.exitCode = await runController({ home, workers, log: log.line, ui, http });
  } catch (err) {
    if (err instanceof ControllerBusyError || err instanceof WebViewListenError || err instanceof ControllerRefusedError) throw new CliError(err.message);
    throw err;
  } finally {
    log.flush();
  }
}

/** `--webhook-bind`, else ORCHESTRATOR_WEBHOOK_BIND, else the default (whose address in use is only a warning). */
function httpOption(flag: string | undefined): { bind: BindAddress | null; explicit: boolean } {
  const fromEnv = process.env[WEBHOOK_BIND_ENV];
  const given = flag ?? (fromEnv !== undefined && fromEnv !== "" ? fromEnv : undefined);
  try {
    return { bind: parseBindAddress(given ?? DEFAULT_WEBHOOK_BIND), explicit: given !== undefined };
  } catch (err) {
    if (err instanceof BindError) throw new UsageError(flag === undefined && given !== undefined ? `${WEBHOOK_BIND_ENV}: ${err.message}` : err.message);
    throw err;
  }
}

/** The web view's settings checked before anything starts: a bad address is a usage error, a bad token file or a missing token an error. */
export async function checkWebView(ui: WebViewSettings): Promise<void> {
  const [{ checkWebViewSettings, WebViewConfigError }, { TokenFileError }] = await Promise.all([import("../../http/web-view.js"), import("../../http/auth.js")]);
  try {
    checkWebViewSettings(ui);
  } catch (err) {
    if (err instanceof BindError) throw new UsageError(err.message);
    if (err instanceof TokenFileError || err instanceof WebViewConfigError) throw new CliError(err.message);
    throw err;
  }
}

/**
 * Log lines written together once per turn of the event loop: the workers
 * of a busy controller log several lines a task, and each write to the log
 * file is a system call on the thread that runs them.
 */
function batchedLines(write: (text: string) => void): { line: (line: string) => void; flush: () => void } {
  let pending: string[] = [];
  const flush = (): void => {
    if (pending.length === 0) return;
    const text = pending.join("\n") + "\n";
    pending = [];
    write(text);
  };
  return {
    line: (line) => {
      if (pending.length === 0) setImmediate(flush);
      pending.push(line);
    },
    flush,
  };
}

export interface ControllerStatus {
  running: boolean;
  pid: number | null;
  hostname: string | null;
  since: string | null;
  queuedTasks: number;
  runningTasks: number;
  /** Where the running controller serves its web view; null when it serves none (or none runs). */
  webView: string | null;
  /** Where the running controller takes webhooks and push notifications; null when it does not listen (or none runs). */
  webhooks: string | null;
}

/** What `controller status -o json` prints: whether a controller runs for the store, and its queue. */
export function controllerStatusView(home: Home, store: Store): ControllerStatus {
  const lock = readControllerLock(home.dir);
  const tasks = openTaskStore(store);
  const queued = tasks.countTasks({ phase: "Pending", queued: true });
  const running = tasks.countTasks({ phase: "Running" });
  const webView = lock?.alive ? (readWebAddress(home.dir, lock.pid) ?? null) : null;
  const webhooks = lock?.alive ? listenerUrl(store.getMeta(httpMetaKey(home.dir, lock.hostname)), lock.pid) : null;
  return { running: lock?.alive === true, pid: lock?.alive ? lock.pid : null, hostname: lock?.hostname ?? null, since: lock?.alive ? lock.startedAt : null, queuedTasks: queued, runningTasks: running, webView, webhooks };
}

/** One live controller on the store, as `controller status -o json` lists it (a type, so it is JSON). */
export type LiveController = {
  id: string;
  host: string;
  pid: number;
  role: string;
  workers: number;
  leases: number;
  startedAt: string;
  lastHeartbeat: string;
  leaseExpiresAt: string;
};

/** `controller status -o json` (and the web view's `/api/v1/controller`) without apiVersion and kind: this home's controller and every live one on the store. */
export function controllerStatusWithControllers(home: Home, store: Store): ControllerStatus & { controllers: LiveController[] } {
  const live: ControllerRecord[] = controllerStoreOf(store).listControllers();
  const controllers = live.map((c) => ({ id: c.id, host: c.host, pid: c.pid, role: c.role, workers: c.workers, leases: c.tasks, startedAt: c.startedAt, lastHeartbeat: c.heartbeatAt, leaseExpiresAt: c.expiresAt }));
  return { ...controllerStatusView(home, store), controllers };
}

export async function controllerStatusCommand(opts: { output?: OutputFormat }): Promise<void> {
  const home = requireHome();
  const store = openStore(home);
  let status: ControllerStatus & { controllers: LiveController[] };
  try {
    status = controllerStatusWithControllers(home, store);
  } finally {
    store.close();
  }
  const controllers = status.controllers;
  printObject("ControllerStatus", { ...status }, String(status.pid ?? "none"), opts, () =>
    (status.running ? `controller running (pid ${status.pid} on ${status.hostname}, since ${status.since})\n` : "no controller running\n") +
    `tasks: ${status.queuedTasks} queued, ${status.runningTasks} running\n` +
    (status.webView ? `web view: ${status.webView}\n` : "") +
    (status.running ? (status.webhooks ? `listening on ${status.webhooks} (webhooks, source push notifications)\n` : "not listening for webhooks\n") : "") +
    // Every live controller on the store: on a shared store, those of other homes and hosts too.
    (controllers.length === 0
      ? ""
      : `controllers on this store: ${controllers.length}\n` +
        renderTable(["HOST", "PID", "ROLE", "WORKERS", "LEASES", "LAST HEARTBEAT", "STARTED"], controllers.map((c) => [c.host, String(c.pid), c.role, String(c.workers), String(c.leases), c.lastHeartbeat, c.startedAt]))),
  );
}

export async function controllerStopCommand(opts: { timeout: string }): Promise<void> {
  const timeoutMs = durationFlag("--timeout", opts.timeout, { bareUnit: "s" });
  const home = requireHome();
  const lock = readControllerLock(home.dir);
  if (!lock?.alive) {
    writeOut("no controller running\n");
    return;
  }
  try {
    process.kill(lock.pid, "SIGTERM");
  } catch (err) {
    throw new CliError(`cannot signal controller pid ${lock.pid}: ${(err as Error).message}`);
  }
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!readControllerLock(home.dir)?.alive) {
      writeOut(`controller stopped (pid ${lock.pid})\n`);
      return;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new CliError(`controller pid ${lock.pid} did not stop within ${formatDuration(timeoutMs)}`);
}

/** The running controller's listener, when the meta it wrote is its own (a dead one's is stale). */
function listenerUrl(meta: string | undefined, pid: number): string | null {
  if (!meta) return null;
  try {
    const m = JSON.parse(meta) as { url?: unknown; pid?: unknown };
    return m.pid === pid && typeof m.url === "string" ? m.url : null;
  } catch {
    return null;
  }
}
