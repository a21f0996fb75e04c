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
import { writeErr, writeOut } from "../output/io.js";

export interface TriggerOptions {
  project?: string;
}

const ACTOR = "cli";

function storedTrigger(store: Store, name: string, project: string): StoredResource {
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

export async function triggerSuspendCommand(name: string, opts: TriggerOptions): Promise<void> {
  await withStore(({ store, home }) => {
    const project = opts.project ?? DEFAULT_PROJECT;
    const by = cliUser();
    const done = publishSuspension(store, home, name, project, (r) => {
      const status = readTriggerStatus(r);
      if (status.suspended) return undefined;
      status.suspended = { time: new Date().toISOString(), by };
      storeTriggerStatus(store, r, status);
      store.appendEvent({ type: "trigger_suspended", project, kind: "Trigger", name, message: `trigger/${name} suspended by ${by}`, actor: ACTOR, data: { trigger: name, by } });
      return "suspended";
    });
    writeOut(done ? `trigger/${name} suspended\n` : `trigger/${name} was already suspended\n`);
  });
}

export async function triggerResumeCommand(name: string, opts: TriggerOptions): Promise<void> {
  await withStore(({ store, home }) => {
    const project = opts.project ?? DEFAULT_PROJECT;
    const by = cliUser();
    const done = publishSuspension(store, home, name, project, (r) => {
      if (r.spec["suspend"] === true) {
        throw new CliError(`trigger/${name} is suspended by its manifest (spec.suspend: true); set spec.suspend to false in the manifest and apply it to resume the trigger`);
      }
      const status = readTriggerStatus(r);
      if (!status.suspended) return undefined;
      delete status.suspended;
      storeTriggerStatus(store, r, status);
      store.appendEvent({ type: "trigger_resumed", project, kind: "Trigger", name, message: `trigger/${name} resumed by ${by}`, actor: ACTOR, data: { trigger: name, by } });
      return "resumed";
    });
    writeOut(done ? `trigger/${name} resumed\n` : `trigger/${name} was not suspended\n`);
  });
}

export interface TriggerFireOptions extends TriggerOptions {
  payload?: string;
  daemon: boolean;
  output?: "text" | "json";
}

/** `--payload` must be a JSON object: its fields become the task's `payload_*` variables. */
function parsePayload(text: string | undefined): JsonObject | undefined {
  if (text === undefined) return undefined;
  let value: JsonValue;
  try {
    value = JSON.parse(text) as JsonValue;
  } catch (err) {
    throw new UsageError(`--payload is not valid JSON: ${(err as Error).message}`);
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) throw new UsageError(`--payload must be a JSON object, e.g. '{"ref":"refs/heads/main"}'`);
  return value;
}

export async function triggerFireCommand(name: string, opts: TriggerFireOptions): Promise<void> {
  const payload = parsePayload(opts.payload);
  await withStore(async ({ store, home }) => {
    const project = opts.project ?? DEFAULT_PROJECT;
    const tasks = openTaskStore(store);
    let def: TriggerDef;
    try {
      def = readTrigger(storedTrigger(store, name, project));
    } catch (err) {
      if (err instanceof TriggerSpecError) throw new CliError(`trigger/${name} cannot fire: ${err.message}`);
      throw err;
    }
    const outcome = fireTrigger({ store, tasks, home }, def, { kind: "manual", by: cliUser(), ...(payload ? { payload } : {}) });
    if (!outcome.fired) throw new CliError(`trigger/${name} did not fire: ${outcome.message}`);
    const { task, cancelled } = outcome;
    // Replace: the cancelled tasks' runners stop their steps; make sure their process groups are gone.
    await Promise.all(cancelled.map((t) => finishCancellation(store, tasks, home, t)));
    const r = store.getResource({ project, kind: "Trigger", name });
    if (r) writeStoredStatusFile(home, r);
    const controller = task.queued ? await ensureController(home, { noDaemon: !opts.daemon }) : "not started";
    if (opts.output === "json") {
      writeOut(JSON.stringify({ trigger: name, project, id: task.id, name: task.name, resource: `task/${task.resourceName}`, phase: task.phase, queued: task.queued, cancelled: cancelled.map((t) => t.id), controller }) + "\n");
      return;
    }
    writeOut(`${task.id}\n`);
    const how =
      controller === "running"
        ? "queued; the running controller will pick it up"
        : controller === "started"
          ? "queued; started a controller in the background (logs: .orchestrator/controller.log)"
          : controller === "disabled"
            ? "queued; no controller runs: start one with `orchestrator controller`"
            : `created without starting (action.start: false); run \`orchestrator task start ${task.id}\``;
    writeErr(`trigger/${name} fired: task/${task.resourceName} created: ${how}${cancelled.length ? `; cancelled ${cancelled.map((t) => t.id).join(", ")} (concurrencyPolicy Replace)` : ""}\n`);
  });
}
