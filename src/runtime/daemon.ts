/**
 * @module Starting the controller in the background when work is submitted
 * and none runs, so a newcomer's task simply runs. Turned off with
 * `--no-daemon` or `ORCHESTRATOR_NO_DAEMON=1`.
 */
import { spawn } from "node:child_process";
import { closeSync, openSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Home } from "../store/home.js";
import { storeUrlOf } from "../store/home-location.js";
import { readControllerLock } from "./lock.js";

export const CONTROLLER_LOG = "controller.log";

export function controllerRunning(home: Home): boolean {
  return readControllerLock(home.dir)?.alive === true;
}

export function daemonDisabled(env: NodeJS.ProcessEnv = process.env): boolean {
  const v = env["ORCHESTRATOR_NO_DAEMON"];
  return v !== undefined && v !== "" && v !== "0" && v.toLowerCase() !== "false";
}

/** The CLI entry point, for spawning `orchestrator controller --foreground`. */
export function cliEntry(): string {
  return fileURLToPath(new URL("../cli/main.js", import.meta.url));
}

/**
 * Starts `orchestrator controller --foreground` detached, logging to
 * `.orchestrator/controller.log`, and waits until it holds the lock (up to
 * `waitMs`). Returns the pid, or undefined when one already ran.
 */
export async function startControllerDaemon(home: Home, opts: { workers?: number; waitMs?: number; entry?: string; uiBind?: string; uiTokenFile?: string; webhookBind?: string } = {}): Promise<number | undefined> {
  if (controllerRunning(home)) return undefined;
  const logFd = openSync(join(home.dir, CONTROLLER_LOG), "a");
  const args = [
    opts.entry ?? cliEntry(),
    "controller",
    "--foreground",
    ...(opts.workers ? ["--workers", String(opts.workers)] : []),
    ...(opts.uiBind !== undefined ? ["--ui-bind", opts.uiBind] : []),
    ...(opts.uiTokenFile !== undefined ? ["--ui-token-file", opts.uiTokenFile] : []),
    ...(opts.webhookBind !== undefined ? ["--webhook-bind", opts.webhookBind] : []),
  ];
  const child = spawn(process.execPath, args, {
    cwd: home.root,
    detached: true,
    stdio: ["ignore", logFd, logFd],
    env: { ...process.env, ORCHESTRATOR_HOME: home.dir },
  });
  child.unref();
  closeSync(logFd);
  const deadline = Date.now() + (opts.waitMs ?? 5000);
  while (Date.now() < deadline) {
    const lock = readControllerLock(home.dir);
    if (lock?.alive) return lock.pid;
    if (child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 25));
  }
  return child.pid;
}

/** Starts a controller unless one runs or daemons are disabled; says what it did. */
export async function ensureController(home: Home, opts: { noDaemon?: boolean; entry?: string } = {}): Promise<"running" | "started" | "disabled"> {
  if (controllerRunning(home)) return "running";
  // On a shared store, a controller on any host runs the work: this host starts none of its own.
  if (storeUrlOf(home) !== undefined && (await liveControllerOnStore(home))) return "running";
  if (opts.noDaemon || daemonDisabled()) return "disabled";
  await startControllerDaemon(home, opts.entry ? { entry: opts.entry } : {});
  return "started";
}

/** Whether a controller (not a one-off run) holds a live lease on the home's shared store. */
async function liveControllerOnStore(home: Home): Promise<boolean> {
  const [{ openStore }, { controllerStoreOf }] = await Promise.all([import("../store/open.js"), import("../store/controller-store.js")]);
  const store = openStore(home, { readonly: true });
  try {
    return controllerStoreOf(store).listControllers().some((c) => c.role === "controller");
  } finally {
    store.close();
  }
}
