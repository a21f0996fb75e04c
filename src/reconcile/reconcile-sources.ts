/**
 * @module One pass over the named sources (all when none are named), one
 * after another: what `sync` runs, and what the controller runs for a
 * `reconcile` request.
 */
import type { ControllerHooks } from "../../controllers/types.js";
import type { Home } from "../store/home.js";
import { sourceStoreOf, type SourceRecord } from "../store/source-store.js";
import type { Store } from "../store/store.js";
import type { DesiredSetCache } from "./desired-cache.js";
import type { ReconcileLog } from "./log.js";
import type { PassResult } from "./pass-result.js";
import { reconcileSource, type SourcePass } from "./source-pass.js";
import type { FetchOptions } from "./sources/fetch.js";

export interface ReconcileSourcesOptions {
  home: Home;
  store: Store;
  /** Source names; every source when empty or absent. */
  sources?: readonly string[];
  dryRun?: boolean;
  withLive?: boolean;
  /** Dry runs: plan despite errors (for `diff`). */
  planDespiteErrors?: boolean;
  hooks?: ControllerHooks;
  log?: ReconcileLog;
  fetch?: FetchOptions;
  /** Parse caches by source name, kept by long-running callers. */
  caches?: Map<string, DesiredSetCache>;
  /** Told each source's name as its pass starts (progress on a terminal). */
  onSource?: (name: string) => void;
}

export class UnknownSourceError extends Error {
  override readonly name = "UnknownSourceError";
  constructor(
    readonly names: readonly string[],
    known: readonly string[],
  ) {
    super(
      `no source named ${names.map((n) => `'${n}'`).join(", ")}; ${known.length ? `sources: ${known.join(", ")}` : "no sources are configured (add one with `orchestrator source add`)"}`,
    );
  }
}

/** The sources to pass over, in name order; throws UnknownSourceError naming any that do not exist. */
export function selectSources(store: Store, names: readonly string[] = []): SourceRecord[] {
  const all = sourceStoreOf(store).listSources();
  if (names.length === 0) return all;
  const missing = names.filter((n) => !all.some((s) => s.name === n));
  if (missing.length) throw new UnknownSourceError(missing, all.map((s) => s.name));
  return all.filter((s) => names.includes(s.name));
}

export async function reconcileSourcePasses(opts: ReconcileSourcesOptions): Promise<SourcePass[]> {
  const out: SourcePass[] = [];
  for (const source of selectSources(opts.store, opts.sources)) {
    const cache = opts.caches?.get(source.name);
    opts.onSource?.(source.name);
    out.push(
      await reconcileSource(
        {
          home: opts.home,
          store: opts.store,
          ...(opts.hooks ? { hooks: opts.hooks } : {}),
          ...(opts.log ? { log: opts.log } : {}),
          ...(opts.fetch ? { fetch: opts.fetch } : {}),
          ...(cache ? { cache } : {}),
        },
        source,
        { dryRun: opts.dryRun === true, withLive: opts.withLive === true, planDespiteErrors: opts.planDespiteErrors === true },
      ),
    );
  }
  return out;
}

/** One pass over each source; the results in name order. */
export async function reconcileSources(opts: ReconcileSourcesOptions): Promise<PassResult[]> {
  return (await reconcileSourcePasses(opts)).map((p) => p.result);
}
