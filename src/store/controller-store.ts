/**
 * @module The ControllerStore interface: the controllers (and `run`
 * processes) working on a store, each holding a lease it renews; leaders
 * (one holder per name: a source's reconciler). On a store one host owns
 * (SQLite) there is one controller, and leadership is trivially its own; on
 * a shared store (PostgreSQL) they are how several controllers divide work.
 * A trigger fires once without them: its firing and the tick it records are
 * one write transaction, which the next controller's firing reads.
 */
import type { Store } from "./store.js";

/** Default lease: a dead controller's tasks are taken over within this long. */
export const DEFAULT_LEASE_MS = 15_000;
export const LEASE_ENV = "ORCHESTRATOR_LEASE_MS";

export function leaseMsFrom(env: NodeJS.ProcessEnv = process.env): number {
  const v = Number(env[LEASE_ENV]);
  return Number.isInteger(v) && v >= 1000 ? v : DEFAULT_LEASE_MS;
}

export interface ControllerInfo {
  /** `<host>:<pid>:<random>`: the prefix of every worker id it claims tasks as. */
  id: string;
  host: string;
  pid: number;
  workers: number;
  /** A controller, or a process running one task in the foreground (`orchestrator run`). */
  role: "controller" | "run";
}

export interface ControllerRecord extends ControllerInfo {
  /** A number per registration; writes under a lease that was taken over are refused. */
  epoch: number;
  startedAt: string;
  heartbeatAt: string;
  /** When the lease runs out unless renewed (the store's clock). */
  expiresAt: string;
  /** Tasks its workers hold now. */
  tasks: number;
}

export interface ControllerStore {
  /**
   * Registers this process with a lease of `leaseMs`. From now on this store
   * object's writes are fenced by the lease: once another controller has
   * taken it over, they throw LeaseLostError.
   */
  registerController(info: ControllerInfo, leaseMs: number): ControllerRecord;
  /** Renews the lease; false when it is gone (taken over). */
  renewController(epoch: number, leaseMs: number): boolean;
  /** Ends the lease at a clean stop. */
  unregisterController(epoch: number): void;
  /** Controllers whose lease has not run out, oldest first. */
  listControllers(): ControllerRecord[];
  /**
   * Removes controllers whose lease has run out, and those `dead` says are
   * gone (a dead pid on this host), returning them: each to exactly one
   * caller, which recovers their tasks.
   */
  reapControllers(dead?: (c: ControllerRecord) => boolean): ControllerRecord[];
  /**
   * Takes or keeps leadership of `name` for the controller `holder`: true
   * while it holds it. A leader whose controller was reaped loses it.
   */
  holdLeadership(name: string, holder: string): boolean;
  releaseLeadership(name: string, holder: string): void;
  /** True when several controllers may share this store (leases and leaders matter). */
  readonly shared: boolean;
}

/** A write by a controller whose lease another controller has taken over. */
export class LeaseLostError extends Error {
  override readonly name = "LeaseLostError";
}

export interface ControllerStoreProvider {
  controllerStore(): ControllerStore;
}

/** The ControllerStore of `store`; throws for a backend without one. */
export function controllerStoreOf(store: Store): ControllerStore {
  const provider = store as Store & Partial<ControllerStoreProvider>;
  if (typeof provider.controllerStore !== "function") throw new Error(`store ${store.path} does not keep controllers`);
  return provider.controllerStore();
}
