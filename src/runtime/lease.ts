/**
 * @module The controller's lease on the store. Registered at start and
 * renewed every third of the lease time; each renewal also reaps
 * controllers whose lease ran out (or, on this host, whose process is
 * gone) and hands them to `onReaped`, which recovers their tasks: on a
 * shared store, that is how another controller's death is noticed. A
 * controller that cannot renew before its lease runs out, or finds it
 * taken over, stops its work (`onLost`): its writes would be refused anyway.
 */
import { hostname } from "node:os";
import { isProcessAlive } from "../engine/process/process-group.js";
import { controllerStoreOf, leaseMsFrom, type ControllerRecord } from "../store/controller-store.js";
import type { Store } from "../store/store.js";

export { DEFAULT_LEASE_MS, LEASE_ENV, leaseMsFrom } from "../store/controller-store.js";

export interface LeaseOptions {
  store: Store;
  id: string;
  workers: number;
  role?: "controller" | "run";
  leaseMs?: number;
  log: (line: string) => void;
  onReaped: (controllers: ControllerRecord[]) => Promise<void>;
  onLost: (why: string) => void;
}

export interface ControllerLease {
  readonly record: ControllerRecord;
  readonly leaseMs: number;
  /** Renews and reaps now (also done on a timer). */
  tick(): Promise<void>;
  /** Stops renewing and ends the lease. */
  release(): void;
}

/** A controller on this host whose process is gone is dead now, whatever its lease says. */
function deadHere(c: ControllerRecord): boolean {
  return c.host === hostname() && c.pid !== process.pid && !isProcessAlive(c.pid);
}

export function startControllerLease(opts: LeaseOptions): ControllerLease {
  const registry = controllerStoreOf(opts.store);
  const leaseMs = opts.leaseMs ?? leaseMsFrom();
  const record = registry.registerController({ id: opts.id, host: hostname(), pid: process.pid, workers: opts.workers, role: opts.role ?? "controller" }, leaseMs);
  let renewedAt = Date.now();
  let lost = false;
  let released = false;
  let running: Promise<void> | undefined;

  const lose = (why: string): void => {
    if (lost || released) return;
    lost = true;
    clearInterval(timer);
    opts.onLost(why);
  };

  const tick = async (): Promise<void> => {
    if (lost || released) return;
    try {
      if (!registry.renewController(record.epoch, leaseMs)) return lose("its lease was taken over by another controller");
      renewedAt = Date.now();
    } catch (err) {
      if (Date.now() - renewedAt > leaseMs * 0.8) return lose(`it could not renew its lease for ${Date.now() - renewedAt} ms: ${(err as Error).message}`);
      opts.log(`lease renewal failed (will retry): ${(err as Error).message}`);
      return;
    }
    const reaped = registry.reapControllers(deadHere);
    if (reaped.length > 0) await opts.onReaped(reaped);
  };

  const timer = setInterval(() => {
    running ??= tick()
      .catch((err: unknown) => opts.log(`lease: ${(err as Error).message}`))
      .finally(() => (running = undefined));
  }, Math.max(250, Math.floor(leaseMs / 3)));
  timer.unref();

  return {
    record,
    leaseMs,
    tick,
    release(): void {
      if (released) return;
      released = true;
      clearInterval(timer);
      if (!lost) {
        try {
          registry.unregisterController(record.epoch);
        } catch {
          // the store is going away; the lease runs out on its own
        }
      }
    },
  };
}
