/**
 * @module `orchestrator trigger suspend|resume|fire`: operating a Trigger
 * without editing its manifest. Suspension is run-time state kept in the
 * store (as `agent cordon` is), so a sync of the manifest does not undo it;
 * `spec.suspend: true` in the manifest suspends a trigger too, and only the
 * manifest can lift that. `fire` creates the task in this process, with or
 * without a running controller, and makes sure one will run it.
 */
import { finishCancellation } from "../../runtime/triggers/cancel.js";
import { fireTrigger } from "../../runtime/triggers/fire.js";
import { readTrigger, TriggerSpecError, type TriggerDef } from "../../runtime/triggers/spec.js";
import { bumpTriggerStateVersion, readTriggerStatus, storeTriggerStatus } from "../../runtime/triggers/status.js";
import { ensureController } from "../../runtime/daemon.js";
import { writeStoredStatusFile } from "../../reconcile/status-files.js";
import { DEFAULT_PROJECT, type JsonObject, type JsonValue } from "../../resources/types.js";
import type { Home } from "../../store/home.js";
import type { Store, StoredResource } from "../../store/store.js";
import { openTaskStore } from "../../store/task-store.js";
import { cliUser } from "../actor.js";
import { withStore } from "../context.js";
import { CliError, UsageError } from "../errors.js";
import type { OutputFormat } from "../output/format.js";
import { writeErr, writeOut } from "../output/io.js";
import { objectJson, printMachine } from "../output/printer.js";

const ACTOR = "cli";

export interface TriggerOptions {
  project?: string;
}

/** Who asks for a trigger action, and how the store records them. */
export interface TriggerActionContext {
  store: Store;
  home: Home;
  /** The events' actor: `cli`, `web`. */
  actor: string;
  /** Who is recorded as having suspended, resumed or fired it: `user@host` from the CLI. */
  by: string;
}

/** The stored trigger, or a CliError that names the triggers the project has. */
export function storedTrigger(store: Store, name: string, project: string): StoredResource {
  const r = store.getResource({ project, kind: "Trigger", name });
  if (!r) {
    const known = store.listResources({ project, kind: "Trigger" }).map((t) => t.metadata.name);
    throw new CliError(`trigger/${name} not found in project '${project}'${known.length ? `; triggers there: ${known.join(", ")}` : ""}`);
  }
  return r;
}

/** Writes the changed status, its event and the status file; the scheduler re-plans on the state version. */
function publishSuspension(store: Store, home: Home, name: string, project: string, change: (r: StoredResource) => string | undefined): string | undefined {
  const outcome = store.writeTransaction(() => {
    const r = storedTrigger(store, name, project);
    const message = change(r);
    if (message !== undefined) bumpTriggerStateVersion(store);
    return message;
  });
  const r = store.getResource({ project, kind: "Trigger", name });
  if (r && outcome !== undefined) writeStoredStatusFile(home, r);
  return outcome;
}

/** Suspends the trigger (kept in the store); the line to show. Refuses a trigger that does not exist. */
export function suspendTrigger(ctx: TriggerActionContext, name: string, opts: TriggerOptions = {}): string {
  const project = opts.project ?? DEFAULT_PROJECT;
  const { by } = ctx;
  const done = publishSuspension(ctx.store, ctx.home, name, project, (r) => {
    const status = readTriggerStatus(r);
    if (status.suspended) return undefined;
    status.suspended = { time: new Date().toISOString(), by };
    storeTriggerStatus(ctx.store, r, status);
    ctx.store.appendEvent({ type: "trigger_suspended", project, kind: "Trigger", name, message: `trigger/${name} suspended by ${by}`, actor: ctx.actor, data: { trigger: name, by } });
    return "suspended";
  });
  return done ? `trigger/${name} suspended` : `trigger/${name} was already suspended`;
}

/** Lifts a suspension made with `suspendTrigger`; the line to show. Refuses one its manifest suspends. */
export function resumeTrigger(ctx: TriggerActionContext, name: string, opts: TriggerOptions = {}): string {
  const project = opts.project ?? DEFAULT_PROJECT;
  const { by } = ctx;
  const done = publishSuspension(ctx.store, ctx.home, name, project, (r) => {
    if (r.spec["suspend"] === true) {
      throw new CliError(`trigger/${name} is suspended by its manifest (spec.suspend: true); set spec.suspend to false in the manifest and apply it to resume the trigger`);
    }
    const status = readTriggerStatus(r);
    if (!status.suspended) return undefined;
    delete status.suspended;
    storeTriggerStatus(ctx.store, r, status);
    ctx.store.appendEvent({ type: "trigger_resumed", project, kind: "Trigger", name, message: `trigger/${name} resumed by ${by}`, actor: ctx.actor, data: { trigger: name, by } });
    return "resumed";
  });
  return done ? `trigger/${name} resumed` : `trigger/${name} was not suspended`;
}

export async function triggerSuspendCommand(name: string, opts: TriggerOptions): Promise<void> {
  await withStore(({ store, home }) => {
    writeOut(`${suspendTrigger({ store, home, actor: ACTOR, by: cliUser() }, name, opts)}\n`);
  });
}

export async function triggerResumeCommand(name: string, opts: TriggerOptions): Promise<void> {
  await withStore(({ store, home }) => {
    writeOut(`${resumeTrigger({ store, home, actor: ACTOR, by: cliUser() }, name, opts)}\n`);
  });
}

export interface TriggerFireOptions extends TriggerOptions {
  payload?: string;
  daemon: boolean;
  output?: OutputFormat | "text" | "json";
}

/** The largest payload a manual firing takes: as large as a webhook's body may be (src/http/context.ts). */
export const MAX_PAYLOAD_BYTES = 1024 * 1024;

/**
 * A manual firing's payload, from `--payload` or the web view's request
 * body (`what` names it in the errors): a JSON object of at most
 * MAX_PAYLOAD_BYTES, whose fields become the task's `payload_*` variables.
 */
export function parseTriggerPayload(text: string, what = "--payload"): JsonObject {
  const bytes = Buffer.byteLength(text, "utf8");
  if (bytes > MAX_PAYLOAD_BYTES) throw new UsageError(`${what} is ${bytes} bytes; a payload may be at most ${MAX_PAYLOAD_BYTES} bytes`);
  let value: JsonValue;
  try {
    value = JSON.parse(text) as JsonValue;
  } catch (err) {
    throw new UsageError(`${what} is not valid JSON: ${(err as Error).message}`);
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) throw new UsageError(`${what} must be a JSON object, e.g. '{"ref":"refs/heads/main"}'`);
  return value;
}

/** What a manual firing made, as `trigger fire -o json` prints it. */
export interface TriggerFired {
  trigger: string;
  project: string;
  id: string;
  name: string;
  resource: string;
  phase: string;
  queued: boolean;
  cancelled: string[];
  controller: "running" | "started" | "disabled" | "not started";
  /** The line `trigger fire` prints on stderr. */
  message: string;
}

/**
 * Fires the trigger once now (also when suspended), waits for the tasks
 * its Replace policy cancelled to stop, and makes sure a controller will
 * run the task unless `daemon` is false. A skipped firing is a CliError
 * that says why, and creates nothing.
 */
export async function fireTriggerNow(ctx: TriggerActionContext, name: string, opts: TriggerOptions & { payload?: JsonObject; daemon?: boolean } = {}): Promise<TriggerFired> {
  const { store, home } = ctx;
  const project = opts.project ?? DEFAULT_PROJECT;
  const tasks = openTaskStore(store);
  let def: TriggerDef;
  try {
    def = readTrigger(storedTrigger(store, name, project));
  } catch (err) {
    if (err instanceof TriggerSpecError) throw new CliError(`trigger/${name} cannot fire: ${err.message}`);
    throw err;
  }
  const outcome = fireTrigger({ store, tasks, home }, def, { kind: "manual", by: ctx.by, ...(opts.payload ? { payload: opts.payload } : {}) });
  if (!outcome.fired) throw new CliError(`trigger/${name} did not fire: ${outcome.message}`);
  const { task, cancelled } = outcome;
  // Replace: the cancelled tasks' runners stop their steps; make sure their process groups are gone.
  await Promise.all(cancelled.map((t) => finishCancellation(store, tasks, home, t)));
  const r = store.getResource({ project, kind: "Trigger", name });
  if (r) writeStoredStatusFile(home, r);
  const controller = task.queued ? await ensureController(home, { noDaemon: opts.daemon === false }) : "not started";
  const how =
    controller === "running"
      ? "queued; the running controller will pick it up"
      : controller === "started"
        ? "queued; started a controller in the background (logs: .orchestrator/controller.log)"
        : controller === "disabled"
          ? "queued; no controller runs: start one with `orchestrator controller`"
          : `created without starting (action.start: false); run \`orchestrator task start ${task.id}\``;
  const message = `trigger/${name} fired: task/${task.resourceName} created: ${how}${cancelled.length ? `; cancelled ${cancelled.map((t) => t.id).join(", ")} (concurrencyPolicy Replace)` : ""}`;
  return { trigger: name, project, id: task.id, name: task.name, resource: `task/${task.resourceName}`, phase: task.phase, queued: task.queued, cancelled: cancelled.map((t) => t.id), controller, message };
}

/** `trigger fire -o json`: what it made (`kind: TriggerFired`), without the line it prints. */
export function triggerFiredJson(f: TriggerFired): JsonObject {
  return objectJson("TriggerFired", { trigger: f.trigger, project: f.project, id: f.id, name: f.name, resource: f.resource, phase: f.phase, queued: f.queued, cancelled: f.cancelled, controller: f.controller });
}

export async function triggerFireCommand(name: string, opts: TriggerFireOptions): Promise<void> {
  const payload = opts.payload === undefined ? undefined : parseTriggerPayload(opts.payload);
  await withStore(async ({ store, home }) => {
    const fired = await fireTriggerNow({ store, home, actor: ACTOR, by: cliUser() }, name, { ...(opts.project !== undefined ? { project: opts.project } : {}), ...(payload ? { payload } : {}), daemon: opts.daemon });
    // `kind: TriggerFired` through the output contract (json, yaml, jsonpath=); `-o name` prints `task/ID`, as task create does.
    if (printMachine("TriggerFired", triggerFiredJson(fired), opts.output, fired.id, { jsonLine: true, nameKind: "task" })) return;
    writeOut(`${fired.id}\n`);
    writeErr(`${fired.message}\n`);
  });
}
