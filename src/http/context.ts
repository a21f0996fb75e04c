/**
 * @module What the routes of the controller's HTTP listener share: the
 * store, how to wake the workers and reconcile a source, whether the
 * listener is reachable from other hosts, and the signing keys of a
 * SecretStore.
 */
import { applyDefaults } from "../resources/defaults.js";
import { DEFAULT_PROJECT } from "../resources/types.js";
import { storeValues } from "../engine/secrets/secret-source.js";
import type { Home } from "../store/home.js";
import type { Store } from "../store/store.js";
import type { TaskRecord, TaskStore } from "../store/task-store.js";

export interface HttpContext {
  store: Store;
  tasks: TaskStore;
  home: Home;
  /** True when only this host can reach the listener: unsigned deliveries are taken then, and only then. */
  loopback: boolean;
  log: (line: string) => void;
  /** A task a delivery created and queued: wake the workers. */
  onTask?: (task: TaskRecord) => void;
  /** Starts a pass over the source now (the controller's reconciler); absent: push notifications answer 503. */
  reconcileSource?: (name: string) => void;
  /** Where `valueFrom.env` is read; the controller's own environment by default. */
  env?: NodeJS.ProcessEnv;
}

/** Largest body a delivery may have. */
export const MAX_BODY_BYTES = 1024 * 1024;

export type SigningKeys = { ok: true; keys: string[] } | { ok: false; message: string };

/**
 * Every value of the SecretStore (the project's, else the default
 * project's), `valueFrom` references read now, so a rotated value is used
 * from the next delivery on.
 */
export function signingKeys(ctx: HttpContext, project: string, storeName: string): SigningKeys {
  const r =
    ctx.store.getResource({ project, kind: "SecretStore", name: storeName }) ??
    (project === DEFAULT_PROJECT ? undefined : ctx.store.getResource({ project: DEFAULT_PROJECT, kind: "SecretStore", name: storeName }));
  if (!r) return { ok: false, message: `SecretStore '${storeName}' does not exist in project '${project}'` };
  const { values, errors } = storeValues(applyDefaults(r), { env: ctx.env ?? process.env, baseDir: ctx.home.root });
  for (const e of errors) ctx.log(`http: ${e}`);
  const keys = [...values.values()].filter((v) => v !== "");
  if (keys.length === 0) return { ok: false, message: `SecretStore '${storeName}' has no value that can be read${errors.length ? ` (${errors.length} could not be read)` : ""}` };
  return { ok: true, keys };
}
