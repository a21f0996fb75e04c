/**
 * @module Asking a running controller for a pass now, as `flux reconcile`
 * does: a request row the controller picks up within a tick, then waiting
 * for its answer.
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { JsonObject } from "../resources/types.js";
import { sourceStoreOf } from "../store/source-store.js";
import type { Store } from "../store/store.js";
import type { PassResult } from "./pass-result.js";

export type ReconcileAnswer =
  | { status: "done"; results: PassResult[] }
  | { status: "error"; message: string }
  | { status: "timeout"; requestId: number };

export interface RequestOptions {
  /** null: every source. */
  source: string | null;
  timeoutMs: number;
  pollMs?: number;
}

export async function requestAndWait(store: Store, opts: RequestOptions): Promise<ReconcileAnswer> {
  const sources = sourceStoreOf(store);
  const id = sources.requestReconcile(opts.source);
  const deadline = Date.now() + opts.timeoutMs;
  for (;;) {
    const r = sources.getReconcileRequest(id);
    if (r?.finishedAt) return answerOf(r.result);
    if (Date.now() >= deadline) return { status: "timeout", requestId: id };
    await sleep(opts.pollMs ?? 100);
  }
}

function answerOf(result: JsonObject | null): ReconcileAnswer {
  if (result && typeof result["error"] === "string") return { status: "error", message: result["error"] };
  const results = Array.isArray(result?.["results"]) ? (result["results"] as unknown as PassResult[]) : [];
  return { status: "done", results };
}
