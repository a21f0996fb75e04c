/**
 * @module A real `orchestrator controller --foreground` in the background of
 * a test, with its log captured, and a way to wait for what it should do.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { setTimeout as sleep } from "node:timers/promises";
import { join } from "node:path";
import { CLI, REPO_ROOT } from "./cli.js";

export interface RunningController {
  child: ChildProcess;
  log(): string;
  /** The HTTP listener's base URL (`http://127.0.0.1:PORT`), once the log names it. */
  url(): Promise<string>;
  /** SIGTERM, then waits for the exit code. */
  stop(): Promise<number | null>;
}

export async function startController(cwd: string, args: readonly string[] = [], env: Record<string, string> = {}): Promise<RunningController> {
  return startControllerCommand(cwd, [process.execPath, CLI, "controller", "--foreground", ...args], env);
}

/** `bin/orchestratord` of this checkout, as the docs start the controller: `orchestratord --foreground --workers 2`. */
export const ORCHESTRATORD = join(REPO_ROOT, "bin/orchestratord");

/** A controller started by any command line (`orchestratord ...`, an installed bin); waits until it has started. */
export async function startControllerCommand(cwd: string, command: readonly string[], env: Record<string, string> = {}): Promise<RunningController> {
  const [file, ...args] = command;
  const child = spawn(file!, args, {
    cwd,
    // No web view unless the test asks for one (--ui-bind, or this variable): none may take the machine's default port; each webhook listener is on a port of its own.
    env: { ...process.env, NO_COLOR: "1", ORCHESTRATOR_NO_DAEMON: "1", ORCHESTRATOR_UI_BIND: "none", ORCHESTRATOR_WEBHOOK_BIND: "127.0.0.1:0", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let log = "";
  child.stdout!.on("data", (d) => (log += d));
  child.stderr!.on("data", (d) => (log += d));
  const running: RunningController = {
    child,
    log: () => log,
    async url() {
      const listening = (): RegExpExecArray | null => /listening on (http:\/\/\S+) /.exec(log);
      await until("the controller's HTTP listener", () => listening() !== null, 60_000, () => child.exitCode !== null && `controller exited ${child.exitCode}:\n${log}`);
      return listening()![1]!;
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once("exit", r));
        child.kill("SIGTERM");
        await exited;
      }
      return child.exitCode;
    },
  };
  await until("the controller to start", () => log.includes("controller started"), 60_000, () => child.exitCode !== null && `controller exited ${child.exitCode}:\n${log}`);
  return running;
}

/**
 * Polls `test` until it holds; fails with `what` (and `broken()`'s text when that says why early).
 * The default limit is generous: it only ends a test that is stuck, on a machine as busy as CI's.
 * On timeout the message says what was there instead, from `seen`.
 */
export async function until(what: string, test: () => boolean, timeoutMs = 60_000, broken: () => string | false = () => false, seen?: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!test()) {
    const why = broken();
    if (why) throw new Error(`while waiting for ${what}: ${why}`);
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${seen ? `; last seen: ${lookSafely(seen)}` : ""}`);
    await sleep(50);
  }
}

/** What `seen` reports; a look that fails says why rather than hiding the timeout behind its own error. */
export function lookSafely(seen: () => string): string {
  try {
    return seen();
  } catch (e) {
    return `(could not look: ${e instanceof Error ? e.message : String(e)})`;
  }
}

/** The last `chars` characters of `text`, for a timeout message about long output. */
export function tail(text: string, chars = 2000): string {
  return text.length > chars ? `…${text.slice(-chars)}` : text;
}

/** After a test: stops its controller (if it left one running) and removes its project. */
export async function stopAndRemove(controller: RunningController | undefined, project: { cleanup(): void } | undefined): Promise<void> {
  await controller?.stop();
  project?.cleanup();
}

export interface TaskRow {
  id: string;
  name: string;
  phase: string;
  [field: string]: unknown;
}

/** Every task's id, name, phase and message, on one line for a timeout message. */
export function taskPhases(project: { run(args: readonly string[]): { stdout: string } }): string {
  const items = JSON.parse(project.run(["task", "list", "-o", "json"]).stdout).items as TaskRow[];
  return items.map((t) => `${t.id} ${t.name} ${t.phase}${t["message"] ? ` (${String(t["message"]).slice(0, 300)})` : ""}`).join("; ") || "no tasks";
}

/** The tasks named `name`, oldest first, as `task list -o json` shows them. */
export function tasksNamed(project: { run(args: readonly string[]): { stdout: string } }, name: string): TaskRow[] {
  return (JSON.parse(project.run(["task", "list", "-o", "json"]).stdout).items as TaskRow[]).filter((t) => t.name === name);
}
