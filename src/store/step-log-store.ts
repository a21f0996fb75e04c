/**
 * @module Step logs kept in the store, for stores several hosts share: the
 * controller running a step copies its log file into the store as it
 * grows, and `task logs` on any host reads (and follows) it from there. A
 * store one host owns keeps logs only as files (`run.logPath`).
 */
import type { Store } from "./store.js";

export interface StepLogStore {
  /** Stores `data` at byte `offset` of the run's log; the caller appends in order, without gaps. */
  appendLog(runId: string, offset: number, data: Buffer): void;
  /** Up to `maxBytes` of the run's log from byte `offset` (less at its end). */
  readLog(runId: string, offset: number, maxBytes: number): Buffer;
  /** Bytes stored of the run's log so far. */
  logSize(runId: string): number;
}

export interface StepLogStoreProvider {
  stepLogStore(): StepLogStore;
}

/** The store's step logs, or undefined when logs are files on the host that ran the step. */
export function stepLogStoreOf(store: Store): StepLogStore | undefined {
  const provider = store as Store & Partial<StepLogStoreProvider>;
  return typeof provider.stepLogStore === "function" ? provider.stepLogStore() : undefined;
}
