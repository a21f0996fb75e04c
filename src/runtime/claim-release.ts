/**
 * @module Following a task's logs past a pause or cancel: the phase is
 * written by whoever asked, before the runner has stopped the steps (and, on
 * a shared store, copied the rest of their logs); the runner lets go of the
 * task (clears its claim) last. Readers follow until then. Loads only node
 * built-ins, so `task logs` starts fast.
 */
import { hostname } from "node:os";
import { isProcessAlive } from "../engine/process/process-group.js";
import type { ControllerStore } from "../store/controller-store.js";

/**
 * How long a reader waits for the runner of a task paused or cancelled under
 * it to let go (longer than a step takes to stop, SIGKILL after 5 s
 * included); a runner that died meanwhile never does.
 */
export const RELEASE_WAIT_MS = 15_000;

/** A claim (`host:pid:...`) held by a live process on this host. */
export function heldOnThisHost(claimedBy: string): boolean {
  const [host, pid] = claimedBy.split(":");
  return host === hostname() && Number.isInteger(Number(pid)) && isProcessAlive(Number(pid));
}

/**
 * Whether a claim may still be held by a live runner: a live process on
 * this host, a controller with a live lease (`controllerIds`), or a
 * foreground `run` or `watch` on another host, which holds no lease and so
 * cannot be told dead from here.
 */
export function claimMayBeHeld(claimedBy: string, controllerIds: () => readonly string[]): boolean {
  if (claimedBy.split(":")[0] === hostname()) return heldOnThisHost(claimedBy);
  if (controllerIds().some((id) => claimedBy.startsWith(`${id}:`))) return true;
  return /:(run|in-process)$/.test(claimedBy);
}

/** Tells a reader, poll by poll, whether a stopped task may still have lines coming. */
export class ReleaseWait {
  private since: number | undefined;
  constructor(private readonly mayBeHeld: (claimedBy: string) => boolean) {}

  /** True while the task's runner may still be stopping its steps and copying their logs. */
  pending(task: { claimedBy: string | null }): boolean {
    if (task.claimedBy === null || !this.mayBeHeld(task.claimedBy)) return false;
    this.since ??= Date.now();
    return Date.now() - this.since < RELEASE_WAIT_MS;
  }
}

/** A ReleaseWait that knows the controllers with a live lease on the store (none given: only this host's processes). */
export function releaseWaitOn(controllers?: Pick<ControllerStore, "listControllers">): ReleaseWait {
  return new ReleaseWait((claimedBy) => claimMayBeHeld(claimedBy, () => controllers?.listControllers().map((c) => c.id) ?? []));
}
